use super::Role;
use crate::{error::ApiError, middleware::RequestId, startup::AppState};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

/// The authenticated caller, taken from a verified bearer token. Every protected handler takes
/// one; without a valid token the request ends here with 401.
#[derive(Clone, Debug)]
pub struct Caller {
    pub account_id: Uuid,
    pub role: Role,
    pub bloc_id: Option<Uuid>,
    pub province: Option<String>,
    /// The request's id, recorded with every write in the audit log.
    pub request_id: Option<String>,
    /// An API client (client credentials) rather than a person.
    pub client: bool,
    /// A client token's scopes (None: every scope its client holds).
    pub scope: Option<String>,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = authenticate(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let need = crate::clients::service::scope_for(req.path());
        Box::pin(async move {
            let caller = caller?;
            // A client's token is only as good as the client: disabled clients stop at once,
            // every request counts towards its rate limit, and a scope taken from the client
            // since the token was issued is gone from the token too.
            if caller.client
                && let Some(state) = state
            {
                let held = crate::clients::service::admit(&state.db, caller.account_id).await?;
                let granted = caller
                    .scope
                    .as_deref()
                    .is_none_or(|s| s.split_whitespace().any(|x| x == need));
                if !granted || !held.iter().any(|h| h == need) {
                    return Err(ApiError::Forbidden(format!(
                        "this client's token does not hold the `{need}` scope"
                    )));
                }
            }
            Ok(caller)
        })
    }
}

pub(crate) fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::InvalidToken("the Authorization header is malformed".into()))?;
    let token = match value.split_once(' ') {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() =>
        {
            rest.trim()
        }
        _ => {
            return Err(ApiError::InvalidToken(
                "the Authorization header must be `Bearer <token>`".into(),
            ));
        }
    };
    let claims = state
        .keys
        .verify(token)
        .map_err(|reason| ApiError::InvalidToken(reason.into()))?;
    Ok(Caller {
        account_id: claims.sub,
        role: claims.role,
        bloc_id: claims.bloc_id,
        province: claims.province,
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        client: claims.svc,
        scope: claims.scope,
    })
}
