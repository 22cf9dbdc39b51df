//! Cadres of the bloc, and their moves between sub-committees (`/staff/{id}/assignments`).
pub mod dto;
mod handlers;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update)
        .service(handlers::list_assignments)
        .service(handlers::move_staff);
}
