//! Comments on tasks, recommendations, supervisions and campaigns: discussion beside the
//! record, with `@username` mentions that notify. Edited within 15 minutes by their author,
//! never deleted: a retraction hides the text and keeps the record (and the audit log keeps
//! every version).
pub mod dto;
mod handlers;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_on_task)
        .service(handlers::add_to_task)
        .service(handlers::list_on_supervision)
        .service(handlers::add_to_supervision)
        .service(handlers::list_on_recommendation)
        .service(handlers::add_to_recommendation)
        .service(handlers::list_on_campaign)
        .service(handlers::add_to_campaign)
        .service(handlers::get)
        .service(handlers::update);
}
