//! Supervision and social criticism (giám sát – phản biện xã hội): records, findings,
//! recommendations and the addressees' responses, and the supervision report.
pub mod dto;
mod findings;
mod handlers;
pub(crate) mod recommendations;
mod report;
pub mod seed;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update)
        .service(handlers::list_findings)
        .service(handlers::add_finding)
        .service(handlers::list_recommendations)
        .service(handlers::add_recommendation)
        .service(handlers::get_recommendation)
        .service(handlers::update_recommendation)
        .service(handlers::add_response)
        .service(handlers::supervision_report);
}
