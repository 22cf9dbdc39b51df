//! Grassroots units the bloc serves: communes, wards, towns, special zones, villages and
//! residential groups, possibly nested.
pub mod dto;
mod handlers;
mod mergers;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update)
        .service(handlers::merge);
}
