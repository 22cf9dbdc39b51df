//! Meetings (weekly leadership, monthly review, ad hoc) and their decisions, which can create
//! tasks; and the monthly review report.
pub mod dto;
mod handlers;
mod review;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update)
        .service(handlers::add_decision)
        .service(handlers::monthly_review);
}
