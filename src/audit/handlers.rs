use super::{
    dto::{AuditEntryDto, AuditQuery},
    service,
};
use crate::{
    auth::Caller,
    error::ApiResult,
    export::{self, Format},
    pagination::Page,
    state::AppState,
};
use actix_web::{get, web};

/// The audit log of the caller's bloc (all blocs for the admin), newest first.
///
/// Bloc head and admin only. Filter by resource, actor and time.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "Recorded writes, newest first", body = Page<AuditEntryDto>),
        (status = 403, description = "Only the bloc head and the admin read the audit log"),
    )
)]
#[get("/audit-log")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<AuditQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}
