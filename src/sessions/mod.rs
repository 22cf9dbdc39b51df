//! Sign-in sessions: password sign-in, rotating refresh tokens, logout, `/me` and the caller's
//! own password; also the accounts' shared rules (usernames, the first admin).
mod bootstrap;
pub mod dto;
mod handlers;
pub mod service;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::login)
        .service(handlers::refresh)
        .service(handlers::logout)
        .service(handlers::me)
        .service(handlers::change_password);
}
