//! Sub-committees (tiểu ban): Office, Propaganda–Mobilisation, Inspection–Supervision,
//! Democracy–Law. Each has a head: the bloc head or a deputy head.
pub mod dto;
mod handlers;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update);
}
