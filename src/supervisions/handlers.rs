use super::{
    dto::{
        CreateSupervision, FindingDto, NewFinding, NewRecommendation, NewResponse,
        RecommendationDto, SupervisionDto, SupervisionPeriod, SupervisionQuery,
        SupervisionReportQuery, UpdateRecommendation, UpdateSupervision,
    },
    findings, recommendations, report, service,
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

/// Supervision, social-criticism and inspection records of the caller's bloc.
#[utoipa::path(tag = "supervision", params(SupervisionQuery),
    responses((status = 200, description = "A page of supervisions", body = Page<SupervisionDto>)))]
#[get("/supervisions")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<SupervisionQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Plan a supervision (bloc head; the deputy head of its sub-committee or lead organisation).
#[utoipa::path(tag = "supervision", request_body = CreateSupervision,
    responses(
        (status = 201, description = "Planned", body = SupervisionDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head, or the deputy head of its sub-committee or lead organisation"),
    ))]
#[post("/supervisions")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateSupervision>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One supervision, with its pending and overdue recommendation counts.
#[utoipa::path(tag = "supervision", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The supervision", body = SupervisionDto, headers(("ETag" = String, description = "The version")))))]
#[get("/supervisions/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a supervision or move its status: planned → in_progress → concluded (with a
/// conclusion) → following_up → closed (only once every recommendation is settled).
#[utoipa::path(tag = "supervision", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateSupervision,
    responses(
        (status = 200, description = "Changed", body = SupervisionDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the supervision's leaders"),
        (status = 409, description = "A status move that does not exist (`allowed` lists those that do), closing with unsettled recommendations (named), or a closed supervision"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/supervisions/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateSupervision>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Findings of a supervision, oldest first.
#[utoipa::path(tag = "supervision", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The findings", body = Page<FindingDto>)))]
#[get("/supervisions/{id}/findings")]
pub async fn list_findings(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
) -> ApiResult<actix_web::HttpResponse> {
    export::list(
        format,
        findings::list_findings(&state.db, &caller, id.into_inner()).await?,
    )
}

/// Record a finding (the supervision's members and leaders), while it is in progress or just
/// concluded.
#[utoipa::path(tag = "supervision", params(("id" = Uuid, Path)), request_body = NewFinding,
    responses(
        (status = 201, description = "Recorded", body = FindingDto),
        (status = 403, description = "Only the supervision's members and leaders"),
        (status = 409, description = "The supervision is not in progress or concluded"),
    ))]
#[post("/supervisions/{id}/findings")]
pub async fn add_finding(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewFinding>,
) -> ApiResult<(web::Json<FindingDto>, StatusCode)> {
    let d = findings::add_finding(&state.db, &caller, id.into_inner(), body.0).await?;
    Ok((web::Json(d), StatusCode::CREATED))
}

/// Recommendations of a supervision with the addressees' responses.
#[utoipa::path(tag = "supervision", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The recommendations", body = Page<RecommendationDto>)))]
#[get("/supervisions/{id}/recommendations")]
pub async fn list_recommendations(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
) -> ApiResult<actix_web::HttpResponse> {
    export::list(
        format,
        recommendations::list_recommendations(&state.db, &caller, id.into_inner()).await?,
    )
}

/// Make a recommendation (the supervision's leaders).
#[utoipa::path(tag = "supervision", params(("id" = Uuid, Path)), request_body = NewRecommendation,
    responses(
        (status = 201, description = "Made", body = RecommendationDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the supervision's leaders"),
        (status = 409, description = "The supervision is only planned, or closed"),
    ))]
#[post("/supervisions/{id}/recommendations")]
pub async fn add_recommendation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewRecommendation>,
) -> ApiResult<HttpResponse> {
    let d =
        recommendations::add_recommendation(&state.db, &caller, id.into_inner(), body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One recommendation with its responses.
#[utoipa::path(tag = "supervision", params(("id" = Uuid, Path), ("recommendation_id" = Uuid, Path)),
    responses((status = 200, description = "The recommendation", body = RecommendationDto, headers(("ETag" = String, description = "The version")))))]
#[get("/supervisions/{id}/recommendations/{recommendation_id}")]
pub async fn get_recommendation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let d = recommendations::get_recommendation(&state.db, &caller, id, rid).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a recommendation or settle it (the supervision's leaders).
#[utoipa::path(tag = "supervision", params(("id" = Uuid, Path), ("recommendation_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateRecommendation,
    responses(
        (status = 200, description = "Changed", body = RecommendationDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the supervision's leaders"),
        (status = 409, description = "A status move that does not exist, or a closed supervision"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/supervisions/{id}/recommendations/{recommendation_id}")]
pub async fn update_recommendation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: Json<UpdateRecommendation>,
) -> ApiResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let d = recommendations::update_recommendation(&state.db, &caller, id, rid, &if_match, body.0)
        .await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Record the addressee's response (any cadre of the bloc); `status` settles it (`accepted`,
/// `rejected`, `implemented`).
#[utoipa::path(tag = "supervision", params(("id" = Uuid, Path), ("recommendation_id" = Uuid, Path)),
    request_body = NewResponse,
    responses(
        (status = 201, description = "Recorded: the recommendation with its responses", body = RecommendationDto, headers(("ETag" = String, description = "The recommendation's new version"))),
        (status = 403, description = "Only the bloc's cadres"),
        (status = 409, description = "The recommendation is settled (rejected or implemented) or the supervision closed"),
    ))]
#[post("/supervisions/{id}/recommendations/{recommendation_id}/responses")]
pub async fn add_response(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<NewResponse>,
) -> ApiResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let d = recommendations::add_response(&state.db, &caller, id, rid, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// Per period: supervisions held, recommendations made, how many were implemented, and those
/// overdue today. With `Accept:` the XLSX type, an Excel workbook.
#[utoipa::path(tag = "reports", params(SupervisionReportQuery),
    responses((status = 200, description = "One entry per period", content(
        (Page<SupervisionPeriod> = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ))))]
#[get("/reports/supervisions")]
pub async fn supervision_report(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<SupervisionReportQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let periods = report::report(&state.db, &caller, q.into_inner()).await?;
    if crate::spreadsheet::wanted(&req) {
        let scope = crate::tenancy::scope_name(&state.db, &caller).await?;
        return crate::spreadsheet::response("giam-sat", &report::sheets(&periods, &scope));
    }
    export::list(format, periods)
}
