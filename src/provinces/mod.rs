//! Provinces as records: the 34 of July 2025 as reference data, older ones kept for history.
//! Blocs, portal accounts and API clients refer to one by id.
pub mod dto;
mod handlers;
pub mod reference;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update);
}
