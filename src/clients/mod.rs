//! API clients (service accounts for machines, such as the provincial portal) and the OAuth 2.0
//! client-credentials grant.
pub mod dto;
mod handlers;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update)
        .service(handlers::rotate_secret)
        .service(handlers::token);
}
