//! Imports: the bloc's people, units and campaign figures from the spreadsheets it already
//! keeps (CSV or XLSX), all rows or none, checked first with `dry_run`.
pub mod dto;
mod handlers;
pub mod service;
pub mod table;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::import);
}
