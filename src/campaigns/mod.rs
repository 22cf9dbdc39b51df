//! Campaigns and movements (phong trào, cuộc vận động) with measurable targets, figures
//! collected per grassroots unit, registrations, and progress read from the figures.
pub(crate) mod cascade;
pub mod dto;
pub mod figures;
mod handlers;
mod lineage;
pub mod progress;
pub mod registrations;
pub mod seed;
pub mod service;
pub mod standing;
pub mod targets;
pub mod view;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update)
        .service(handlers::progress)
        .service(handlers::list_targets)
        .service(handlers::create_target)
        .service(handlers::get_target)
        .service(handlers::update_target)
        .service(handlers::list_measurements)
        .service(handlers::record_measurement)
        .service(handlers::get_measurement)
        .service(handlers::list_registrations)
        .service(handlers::create_registration)
        .service(handlers::get_registration)
        .service(handlers::update_registration)
        .service(handlers::campaign_report)
        .service(handlers::cascade_to);
}
