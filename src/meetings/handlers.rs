use super::{
    dto::{
        CreateMeeting, MeetingDto, MeetingQuery, MonthlyReview, MonthlyReviewQuery, NewDecision,
        UpdateMeeting,
    },
    review, service,
};
use crate::{
    auth::Caller,
    concurrency::{IfMatch, with_etag},
    error::ApiResult,
    export::{self, Format},
    extract::Json,
    pagination::Page,
    state::AppState,
};
use actix_web::{HttpResponse, get, http::StatusCode, patch, post, web};
use uuid::Uuid;

/// Meetings of the caller's bloc: weekly leadership meetings, monthly reviews, ad hoc ones.
#[utoipa::path(tag = "meetings", params(MeetingQuery),
    responses((status = 200, description = "A page of meetings", body = Page<MeetingDto>)))]
#[get("/meetings")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<MeetingQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Record a meeting (bloc head, deputy heads) with its decisions; a decision with `task` creates
/// the task in the same request, linked both ways. Nothing is written if any part is refused.
#[utoipa::path(tag = "meetings", request_body = CreateMeeting,
    responses(
        (status = 201, description = "Recorded", body = MeetingDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head and deputy heads record meetings, and a decision's task follows the rules of POST /tasks"),
        (status = 404, description = "A file in `attachments` is not one of the bloc's"),
    ))]
#[post("/meetings")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateMeeting>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One meeting with its attendees and decisions.
#[utoipa::path(tag = "meetings", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The meeting", body = MeetingDto, headers(("ETag" = String, description = "The version")))))]
#[get("/meetings/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a meeting's record (bloc head, deputy heads). A `planned` meeting becomes `held` (on a
/// day not in the future) or `cancelled`; a held or cancelled one keeps its status.
#[utoipa::path(tag = "meetings", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateMeeting,
    responses(
        (status = 200, description = "Changed", body = MeetingDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the bloc head and deputy heads"),
        (status = 409, description = "A status move that does not exist (held or cancelled to anything else)"),
        (status = 412, description = "Stale If-Match"),
        (status = 422, description = "A day in the future for a held meeting, in the past for a planned one; minutes before it is held"),
    ))]
#[patch("/meetings/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateMeeting>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Add a decision to a meeting (bloc head, deputy heads); with `task`, create it too.
#[utoipa::path(tag = "meetings", params(("id" = Uuid, Path)), request_body = NewDecision,
    responses(
        (status = 201, description = "Added: the meeting with its decisions", body = MeetingDto, headers(("ETag" = String, description = "The meeting's new version"))),
        (status = 403, description = "Only the bloc head and deputy heads, and the task follows the rules of POST /tasks"),
        (status = 409, description = "The meeting is planned or cancelled: decisions are recorded once it is held"),
    ))]
#[post("/meetings/{id}/decisions")]
pub async fn add_decision(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewDecision>,
) -> ApiResult<HttpResponse> {
    let d = service::add_decision(&state.db, &caller, id.into_inner(), body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// What the monthly meeting reviews, per sub-committee and per lead organisation: tasks
/// completed in the month on time and late, still open, overdue, due next month; and the
/// figures of the campaigns running that month. With `Accept:` the XLSX type, an Excel
/// workbook (by sub-committee, by lead organisation, campaigns).
#[utoipa::path(tag = "reports", params(MonthlyReviewQuery),
    responses((status = 200, description = "The month's review", body = MonthlyReview,
        content(
            (MonthlyReview = "application/json"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ))))]
#[get("/reports/monthly-review")]
pub async fn monthly_review(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    q: crate::extract::Query<MonthlyReviewQuery>,
) -> ApiResult<HttpResponse> {
    let month = q.month.clone();
    let r = review::monthly_review(&state.db, &caller, q.into_inner()).await?;
    if crate::spreadsheet::wanted(&req) {
        let scope = crate::tenancy::scope_name(&state.db, &caller).await?;
        return crate::spreadsheet::response(
            &format!("bao-cao-thang-{month}"),
            &review::sheets(&r, &scope),
        );
    }
    Ok(HttpResponse::Ok().json(r))
}
