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
/// With `Accept:` the XLSX type, an Excel workbook (blocs side by side, campaigns).
#[utoipa::path(tag = "reports", params(SummaryQuery),
    responses(
        (status = 200, description = "The summary", content(
            (Summary = "application/json"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 404, description = "The province or bloc is not in the caller's scope"),
    ))]
#[get("/reports/summary")]
pub async fn summary(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    q: crate::extract::Query<SummaryQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let db = crate::auth::caller::read_db(&req, &state, &caller).await?;
    let s = service::summary(db, &caller, q.into_inner()).await?;
    if crate::spreadsheet::wanted(&req) {
        let name = format!("tong-hop-{}-{}", s.from, s.to);
        return crate::spreadsheet::response(&name, &service::sheets(&s));
    }
    Ok(actix_web::HttpResponse::Ok().json(s))
}
