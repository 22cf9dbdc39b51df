//! Work that reaches people (issue 17): an inbox per person, written with what caused it;
//! email (SMTP) and Web Push sent in the background; the calendar feed.
pub mod calendar;
pub mod dto;
pub mod email;
pub mod emit;
mod handlers;
pub mod sends;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::inbox)
        .service(handlers::mark_all_read)
        .service(handlers::mark_read)
        .service(handlers::preferences)
        .service(handlers::update_preferences)
        .service(handlers::push_subscriptions)
        .service(handlers::subscribe)
        .service(handlers::unsubscribe)
        .service(handlers::vapid_key)
        .service(handlers::new_calendar)
        .service(handlers::revoke_calendar)
        .service(handlers::calendar)
        .service(handlers::sends);
}
