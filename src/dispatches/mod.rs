//! Directive follow-up to the grassroots: a directive sent to units, and each unit's
//! acknowledgement and report back.
pub mod dto;
mod handlers;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_for_directive)
        .service(handlers::send)
        .service(handlers::get_dispatch)
        .service(handlers::update_dispatch)
        .service(handlers::list_dispatches);
}
