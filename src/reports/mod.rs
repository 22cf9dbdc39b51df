//! Reports across blocs: the province summary the portal reads.
pub mod dto;
mod handlers;
pub mod service;
pub mod tallies;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::summary);
}
