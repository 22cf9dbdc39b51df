//! Numbered directive documents (văn bản chỉ đạo) issued by Party committees and authorities;
//! they give rise to tasks.
pub mod dto;
mod handlers;
pub mod number;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::create)
        .service(handlers::get)
        .service(handlers::update);
}
