use super::{
    dto::{Summary, SummaryQuery},
    service,
};
use crate::{auth::Caller, error::ApiResult, state::AppState};
use actix_web::{get, web};

/// The province summary: for every bloc of the province, side by side, the figures the bloc
/// sees for itself — tasks by deadline standing, by organisation and by sub-committee;
/// campaign progress; the implementation rate of supervision recommendations — with the
/// province's totals. The portal sees its province, a bloc's people their own bloc, the admin
/// any province (`province`), or one bloc (`bloc_id`).
#[utoipa::path(tag = "reports", params(SummaryQuery),
    responses(
        (status = 200, description = "The summary", body = Summary),
        (status = 404, description = "The province or bloc is not in the caller's scope"),
    ))]
#[get("/reports/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    caller: Caller,
    q: crate::extract::Query<SummaryQuery>,
) -> ApiResult<web::Json<Summary>> {
    Ok(web::Json(
        service::summary(&state.db, &caller, q.into_inner()).await?,
    ))
}
