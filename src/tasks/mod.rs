//! Tasks: work items with one lead organisation and one responsible person, an enforced
//! workflow, progress reports, deadline standing and overlap detection.
pub mod dates;
pub(crate) mod delegations;
pub(crate) mod drafting;
pub mod dto;
mod handlers;
pub(crate) mod moves;
mod reports;
pub mod seed;
pub mod series;
pub mod service;
pub mod similarity;
pub mod workflow;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update)
        .service(handlers::transition)
        .service(handlers::history)
        .service(handlers::similar)
        .service(handlers::list_reports)
        .service(handlers::add_report)
        .service(handlers::my_tasks)
        .service(handlers::delegate)
        .service(handlers::rollup)
        .service(handlers::list_series)
        .service(handlers::create_series)
        .service(handlers::get_series)
        .service(handlers::update_series);
}
