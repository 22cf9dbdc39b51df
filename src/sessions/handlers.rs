use super::{
    dto::{ChangePassword, LoginRequest, MeResponse, RefreshRequest, TokenResponse},
    service,
};
use crate::auth::Caller;
use crate::{error::ApiResult, extract::Json, state::AppState};
use actix_web::{HttpRequest, HttpResponse, get, post, web};

/// Sign in with a username and password.
///
/// Returns an access token and a refresh token. Each username may be tried 5 times a minute
/// (a successful sign-in clears the count); each address and the service as a whole have their
/// own limits per minute. Past a limit the answer is 429 with `Retry-After`; when too many
/// passwords are being checked at once it is 503 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body(content = LoginRequest, example = json!({"username": "admin", "password": "mật-khẩu-của-bạn"})),
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong username or password, or a disabled account"),
        (status = 429, description = "Too many sign-ins for this username, from this address, or in all"),
        (status = 503, description = "Too many passwords are being checked at once; retry after `Retry-After` seconds"),
    ),
    security(())
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let Json(body) = body;
    let origin = service::Origin::of(&req, &state.config.sign_in.trusted_proxies);
    Ok(web::Json(
        service::login(
            &state.db,
            &state.keys,
            &state.config,
            &origin,
            &body.username,
            &body.password,
        )
        .await?,
    ))
}

/// Exchange a refresh token for a new token pair.
///
/// Each refresh token works once. Presenting one that was already used revokes every token of
/// its sign-in session (the "family"): whoever holds a copy is signed out too. The new access
/// token carries the account's current role and version (a role change already ended the old
/// access tokens).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; the old refresh token is spent", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or already used refresh token"),
    ),
    security(())
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    Ok(web::Json(
        service::refresh(&state.db, &state.keys, &state.config, &body.0.refresh_token).await?,
    ))
}

/// Sign out: revoke a refresh token and its session.
///
/// Answers 204 whether or not the token was live (as RFC 7009 does), so it is safe to retry.
/// Access tokens already issued stay valid until they expire (`expires_in`).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Revoked")),
    security(())
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    service::logout(&state.db, &body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own account.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The signed-in account", body = MeResponse),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<MeResponse>> {
    Ok(web::Json(service::me(&state.db, &caller).await?))
}

/// Change the caller's own password; the current one is required.
///
/// Every session of the account is signed out: its refresh tokens are revoked and every access
/// token issued before, this request's included, is refused from the next request on. Wrong
/// current passwords count towards the sign-in throttle of the username.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; sign in again"),
        (status = 422, description = "The current password is wrong, or the new one is too short or too long"),
        (status = 429, description = "Too many wrong passwords for this username"),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<ChangePassword>,
) -> ApiResult<HttpResponse> {
    service::change_password(&state.db, &caller, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
