use super::{
    dto::{AccountDto, AccountQuery, CreateAccount, UpdateAccount},
    service,
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

/// Sign-in accounts: all for the admin, the bloc's own for the bloc head.
#[utoipa::path(tag = "accounts", params(AccountQuery),
    responses(
        (status = 200, description = "A page of accounts", body = Page<AccountDto>),
        (status = 403, description = "Only the admin and the bloc head manage accounts"),
    ))]
#[get("/accounts")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    q: crate::extract::Query<AccountQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    export::page(format, q.into_inner(), move |q| {
        let (state, caller) = (state.clone(), caller.clone());
        async move { service::list(&state.db, &caller, q).await }
    })
    .await
}

/// Create a sign-in account (admin for any bloc; the bloc head for their own bloc's people).
///
/// With `staff_id`, the account signs in as that staff member: its role and bloc follow theirs.
#[utoipa::path(tag = "accounts", request_body = CreateAccount,
    responses(
        (status = 201, description = "Created", body = AccountDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the admin and the bloc head create accounts"),
        (status = 409, description = "The username is taken, the staff member already has an account, or the bloc already has an active bloc head account"),
    ))]
#[post("/accounts")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateAccount>,
) -> ApiResult<HttpResponse> {
    let d = service::create(&state.db, &caller, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::CREATED, &d, v))
}

/// One account.
#[utoipa::path(tag = "accounts", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The account", body = AccountDto, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "Only the admin and the bloc head read accounts"),
    ))]
#[get("/accounts/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let d = service::get(&state.db, &caller, id.into_inner()).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}

/// Reset an account's password or (de)activate it (admin; the bloc head for their bloc).
#[utoipa::path(tag = "accounts", params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read (`\"3\"`, or `*`); 412 if it is stale", pattern = r#"^\s*(\*|(W/)?"[0-9]+"(\s*,\s*(W/)?"[0-9]+")*)\s*$"#)),
    request_body = UpdateAccount,
    responses(
        (status = 200, description = "Changed", body = AccountDto, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Only the admin and the bloc head change accounts"),
        (status = 409, description = "Deactivating yourself, activating the account of an inactive staff member, or a second active bloc head account"),
        (status = 412, description = "Stale If-Match"),
    ))]
#[patch("/accounts/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<UpdateAccount>,
) -> ApiResult<HttpResponse> {
    let d = service::update(&state.db, &caller, id.into_inner(), &if_match, body.0).await?;
    let v = d.version;
    Ok(with_etag(StatusCode::OK, &d, v))
}
