//! Staff assigned to grassroots units for a purpose (election monitoring, follow-up) and a
//! period, and the units nobody covers.
pub mod dto;
mod handlers;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // `uncovered` before `{id}`, so the literal path wins.
    cfg.service(handlers::list)
        .service(handlers::uncovered)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update);
}
