//! The change feed (an outbox): every committed write, in commit order, for clients that stay in
//! sync without re-reading everything.
pub mod dto;
mod handlers;
pub mod href;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list);
}
