//! The audit log: every write records who, when, what, and the changed fields before and after,
//! in the same transaction as the write, and announces itself in the change feed (and so to
//! webhooks) in the same call. Readable by the bloc head and the admin.
pub mod dto;
mod handlers;
pub mod service;

pub use service::{
    Entry, Rewrite, Written, answer, log_and_announce, log_and_announce_by_system,
    log_and_announce_entry, save_and_record,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list);
}
