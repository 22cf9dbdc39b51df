//! Webhooks: signed, retried, logged deliveries of the change feed to a receiver's URL.
pub mod delivery;
pub mod dto;
pub mod egress;
mod handlers;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update)
        .service(handlers::rotate_secret)
        .service(handlers::ping)
        .service(handlers::deliveries);
}
