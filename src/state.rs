//! What every handler can reach, at the bottom of the house: the wiring (`startup`, `routes`)
//! builds it, the resources read it, and it imports nothing above it.
use crate::{auth::tokens::JwtKeys, config::Config};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// The path every API route starts with.
pub const API_PREFIX: &str = "/api/v1";

/// Routes whose bodies (uploads) stream to storage: never buffered whole (so never replayed by
/// `Idempotency-Key`: a repeated upload stores its content once anyway, and an unattached copy
/// expires), and given `KHOI_FILES_BODY_TIMEOUT` to arrive.
pub const STREAMED_BODIES: [&str; 1] = ["/api/v1/files"];

pub struct AppState {
    pub db: DatabaseConnection,
    /// Where reads that may be served by a streaming replica go (the primary without one).
    pub replica: crate::replica::Replica,
    pub keys: JwtKeys,
    /// The key Web Push messages are authorised with (VAPID).
    pub vapid: crate::webpush::Vapid,
    pub config: Config,
    pub pages: crate::page_cache::PageCache,
    /// People's inboxes as last answered, keyed by the inbox's version.
    pub inboxes: crate::page_cache::PageCache,
    /// Where webhooks may send, and the resolver they connect through.
    pub egress: Arc<crate::webhooks::egress::Egress>,
    /// Where attachments' bytes are kept.
    pub files: Arc<crate::file_store::Store>,
    /// Uploads being received now: one permit each, so staging space and work stay bounded.
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Wakes this instance's preview maker when an image arrives.
    pub previews: Arc<tokio::sync::Notify>,
}
