//! Attachments (issue 18): photos and scanned documents uploaded as evidence, attached to task
//! reports, campaign figures, supervision findings and the rest, stored in a folder under the
//! data directory or in an S3-compatible store.
pub mod dto;
mod handlers;
pub mod naming;
pub mod photo;
pub mod preview;
pub mod range;
pub mod service;
pub mod sniff;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::upload)
        .service(handlers::get)
        .service(handlers::content)
        .service(handlers::preview)
        .service(handlers::remove);
}

/// Removes expired uploads and unused contents, on the scheduler's pace.
pub async fn run_sweep(state: actix_web::web::Data<crate::state::AppState>) {
    let every = state.config.notifications.scheduler_interval;
    loop {
        match service::sweep(&state.db, &state.files, &state.config.files).await {
            Ok((0, 0)) => {}
            Ok((removed, freed)) => tracing::info!(removed, freed, "file sweep"),
            Err(e) => tracing::warn!(error = %e, "file sweep failed; the next one goes on"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Makes previews on every instance (one maker per content, by claim): woken by an upload, and
/// on the scheduler's pace for those an instance left unfinished.
pub async fn run_previews(state: actix_web::web::Data<crate::state::AppState>) {
    let every = state.config.notifications.scheduler_interval;
    loop {
        loop {
            match service::make_next_preview(&state.db, &state.files).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "previews wait for the database");
                    break;
                }
            }
        }
        tokio::select! {
            _ = state.previews.notified() => {}
            _ = tokio::time::sleep(every) => {}
        }
    }
}
