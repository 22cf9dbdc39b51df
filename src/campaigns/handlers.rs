use super::{
    cascade,
    dto::{
        CampaignDto, CampaignProgress, CampaignQuery, CampaignReport, CampaignReportQuery,
        CreateCampaign, CreateTarget, MeasurementBody, MeasurementDto, MeasurementOrRound,
        MeasurementQuery, MeasurementRound, NewCascade, NewRegistration, ProgressQuery,
        RegistrationDto, RegistrationQuery, TargetDto, UpdateCampaign, UpdateRegistration,
        UpdateTarget,
    },
    figures, registrations, service, standing, targets,
};
use crate::{
    auth::Caller,
    concurrency::{IfMatch, with_etag},
    db::begin_write,
    error::ApiResult,
    export::{self, Format},
    extract::{Json, OneOrMany},
    pagination::Page,
    state::AppState,
};
use actix_web::{HttpResponse, get, http::StatusCode, patch, post, web};
use uuid::Uuid;

/// Campaigns and movements of the caller's bloc (the portal: of its province).
#[utoipa::path(tag = "campaigns", params(CampaignQuery),
    responses((status = 200, description = "A page of campaigns", body = Page<CampaignDto>)))]
#[get("/campaigns")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<CampaignQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Start a campaign (bloc head; a deputy head for the organisation they lead).
#[utoipa::path(tag = "campaigns", request_body = CreateCampaign,
    responses(
        (status = 201, description = "Created", body = CampaignDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc head, or the deputy head who leads the lead organisation"),
        (status = 409, description = "The bloc already has a campaign of this name"),
    ))]
#[post("/campaigns")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateCampaign>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One campaign, with its open and overdue task counts.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The campaign", body = CampaignDto, headers(("ETag" = String, description = "The version")))))]
#[get("/campaigns/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a campaign, or move its status (planned → active → closed; closed → active reopens).
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateCampaign,
    responses(
        (status = 200, description = "Changed", body = CampaignDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the bloc head, or the deputy head who leads the lead organisation"),
        (status = 409, description = "A status move that does not exist (the problem lists `allowed`), or a name already used"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/campaigns/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateCampaign>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// How far along each target is on a date: the bloc's figure from each unit's latest figure,
/// percent of the way from baseline to target, on track against a straight line, the units that
/// have not reported, the per-unit breakdown and a monthly series.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ProgressQuery),
    responses((status = 200, description = "Progress as of the date", body = CampaignProgress)))]
#[get("/campaigns/{id}/progress")]
pub async fn progress(
    state: web::Data<AppState>,
    caller: Caller,
    req: actix_web::HttpRequest,
    id: web::Path<Uuid>,
    q: crate::extract::Query<ProgressQuery>,
) -> ApiResult<HttpResponse> {
    // The same for every reader of the scope: kept until the next write anywhere.
    let id = id.into_inner();
    let key = format!(
        "progress|{:?}|{id}|{}",
        crate::tenancy::Scope::of(&caller),
        crate::page_cache::normal_query(req.query_string())
    );
    let position = crate::auth::caller::kept_position(&req, &state.db, &caller).await?;
    crate::page_cache::serve(&state.pages, &state.db, &key, position, async || {
        standing::progress(&state.db, &caller, id, q.into_inner()).await
    })
    .await
}

/// Cascade the campaign to child blocs of its bloc (its leaders): each joins with its own
/// linked campaign, led by its Front committee, and a copy of every target; their units'
/// figures then count in this campaign's progress, with a breakdown per bloc. All of it or
/// nothing. Send an `Idempotency-Key` to make a retry safe.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1–200 visible ASCII characters, kept 24 hours", pattern = r"^[!-~]{1,200}$")),
    request_body = NewCascade,
    responses(
        (status = 201, description = "The child blocs' campaigns", body = Vec<CampaignDto>),
        (status = 403, description = "Only the campaign's leaders cascade it"),
        (status = 409, description = "The campaign is closed"),
        (status = 422, description = "A bloc that is not a child (`bloc_ids[i]`), already joined, or without a Front committee organisation"),
    ))]
#[post("/campaigns/{id}/cascades")]
pub async fn cascade_to(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewCascade>,
) -> ApiResult<HttpResponse> {
    let d = cascade::cascade(&state.db, &caller, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(d))
}

/// Every campaign of the bloc (the portal: of its province) with its headline figures. With
/// `Accept:` the XLSX type, an Excel workbook of every page, one row per target.
#[utoipa::path(tag = "reports", params(CampaignReportQuery),
    responses((status = 200, description = "A page of campaigns with their figures", content(
        (Page<CampaignReport> = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ))))]
#[get("/reports/campaigns")]
pub async fn campaign_report(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<CampaignReportQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    if crate::spreadsheet::wanted(&req) {
        let mut q = q.into_inner();
        let as_of = q.as_of.unwrap_or_else(crate::clock::today);
        let mut items = Vec::new();
        loop {
            q.limit = Some(crate::pagination::MAX_LIMIT as i64);
            let page = standing::report(&state.db, &caller, q.clone()).await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        let scope = crate::tenancy::scope_name(&state.db, &caller).await?;
        return crate::spreadsheet::response(
            &format!("cuoc-van-dong-{as_of}"),
            &standing::sheets(&items, &scope, as_of),
        );
    }
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { standing::report(&state.db, &caller, q).await }
    })
    .await
}

/// The campaign's targets, oldest first.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The targets", body = Page<TargetDto>)))]
#[get("/campaigns/{id}/targets")]
pub async fn list_targets(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
) -> ApiResult<actix_web::HttpResponse> {
    export::list(
        format,
        targets::list_targets(&state.db, &caller, id.into_inner()).await?,
    )
}

/// Set a target (bloc head; the deputy head who leads the lead organisation).
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)), request_body = CreateTarget,
    responses(
        (status = 201, description = "Created", body = TargetDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the campaign's leaders set targets"),
        (status = 409, description = "The campaign is closed"),
    ))]
#[post("/campaigns/{id}/targets")]
pub async fn create_target(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<CreateTarget>,
) -> ApiResult<HttpResponse> {
    let d = targets::create_target(&state.db, &caller, id.into_inner(), body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One target.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ("target_id" = Uuid, Path)),
    responses((status = 200, description = "The target", body = TargetDto, headers(("ETag" = String, description = "The version")))))]
#[get("/campaigns/{id}/targets/{target_id}")]
pub async fn get_target(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, tid) = path.into_inner();
    let d = targets::get_target(&state.db, &caller, id, tid).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Change a target (the campaign's leaders).
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ("target_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateTarget,
    responses(
        (status = 200, description = "Changed", body = TargetDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the campaign's leaders change targets"),
        (status = 409, description = "The campaign is closed, or figures fix the measure and aggregation"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/campaigns/{id}/targets/{target_id}")]
pub async fn update_target(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: Json<UpdateTarget>,
) -> ApiResult<HttpResponse> {
    let (id, tid) = path.into_inner();
    let d = targets::update_target(&state.db, &caller, id, tid, &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// A target's unit figures, corrected ones included unless `current_only=true`.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ("target_id" = Uuid, Path), MeasurementQuery),
    responses((status = 200, description = "A page of figures", body = Page<MeasurementDto>)))]
#[get("/campaigns/{id}/targets/{target_id}/measurements")]
pub async fn list_measurements(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    path: web::Path<(Uuid, Uuid)>,
    q: crate::extract::Query<MeasurementQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let (id, tid) = path.into_inner();
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { figures::list(&state.db, &caller, id, tid, q).await }
    })
    .await
}

/// Record a unit's figure (any cadre of the bloc), or a whole reporting round: a list of up to
/// 1,000 figures, recorded all or none, each item's problems named by its index (`[3].unit_id`).
/// A correction is a new figure with `supersedes_id`: the old one stays in the history and
/// stops counting. Send an `Idempotency-Key` to make a retry from the field safe.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ("target_id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: 1–200 visible ASCII characters, kept 24 hours", pattern = r"^[!-~]{1,200}$")),
    request_body = MeasurementBody,
    responses(
        (status = 201, description = "Recorded: the figure, or for a list `{items}` in the order sent", body = MeasurementOrRound),
        (status = 403, description = "Only the bloc's cadres record figures"),
        (status = 409, description = "The campaign is closed, or the figure corrected was already corrected"),
        (status = 422, description = "An invalid field (in a list, `[i].field`), or an Idempotency-Key reused with another body"),
    ))]
#[post("/campaigns/{id}/targets/{target_id}/measurements")]
pub async fn record_measurement(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<MeasurementBody>,
) -> ApiResult<HttpResponse> {
    let (id, tid) = path.into_inner();
    let txn = begin_write(&state.db).await?;
    let answer = match body.0.0 {
        OneOrMany::One(one) => MeasurementOrRound::One(Box::new(
            figures::record_in(&txn, &caller, id, tid, one).await?,
        )),
        OneOrMany::Many(items) => MeasurementOrRound::Round(MeasurementRound {
            items: figures::record_round_in(&txn, &caller, id, tid, items).await?,
        }),
    };
    txn.commit().await?;
    Ok(HttpResponse::Created().json(answer))
}

/// One figure.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ("target_id" = Uuid, Path), ("measurement_id" = Uuid, Path)),
    responses((status = 200, description = "The figure", body = MeasurementDto)))]
#[get("/campaigns/{id}/targets/{target_id}/measurements/{measurement_id}")]
pub async fn get_measurement(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid, Uuid)>,
) -> ApiResult<web::Json<MeasurementDto>> {
    let (id, tid, mid) = path.into_inner();
    Ok(web::Json(
        figures::get(&state.db, &caller, id, tid, mid).await?,
    ))
}

/// Models and entries registered in the campaign.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), RegistrationQuery),
    responses((status = 200, description = "A page of registrations", body = Page<RegistrationDto>)))]
#[get("/campaigns/{id}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    id: web::Path<Uuid>,
    q: crate::extract::Query<RegistrationQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let id = id.into_inner();
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { registrations::list(&state.db, &caller, id, q).await }
    })
    .await
}

/// Register a unit's or an organisation's model or entry (any cadre of the bloc).
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)), request_body = NewRegistration,
    responses(
        (status = 201, description = "Registered", body = RegistrationDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the bloc's cadres register entries"),
        (status = 409, description = "The campaign is closed"),
    ))]
#[post("/campaigns/{id}/registrations")]
pub async fn create_registration(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<NewRegistration>,
) -> ApiResult<HttpResponse> {
    let d = registrations::create(&state.db, &caller, id.into_inner(), body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One registration.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ("registration_id" = Uuid, Path)),
    responses((status = 200, description = "The registration", body = RegistrationDto, headers(("ETag" = String, description = "The version")))))]
#[get("/campaigns/{id}/registrations/{registration_id}")]
pub async fn get_registration(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let d = registrations::get(&state.db, &caller, id, rid).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Recognise, withdraw or edit a registration.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ("registration_id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateRegistration,
    responses(
        (status = 200, description = "Changed", body = RegistrationDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Recognising takes the campaign's leaders"),
        (status = 409, description = "A status move that does not exist (the problem lists `allowed`), or the campaign is closed"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/campaigns/{id}/registrations/{registration_id}")]
pub async fn update_registration(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: Json<UpdateRegistration>,
) -> ApiResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let d = registrations::update(&state.db, &caller, id, rid, &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}
