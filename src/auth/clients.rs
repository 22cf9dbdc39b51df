//! Admission of API clients: a client's token is let through only while the client is active
//! and within its rate limit, with the scopes it holds now (not those in the token).
use crate::{
    entities::api_client,
    error::{ApiError, ApiResult},
};
use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

/// Lets a client's request through if the client is active and within its limit for the current
/// minute; the count lives in the database, so every instance shares it. Answers the scopes the
/// client holds now.
pub async fn admit(db: &DatabaseConnection, client: Uuid) -> ApiResult<Vec<String>> {
    let c = api_client::Entity::find_by_id(client).one(db).await?;
    let Some(c) = c.filter(|c| c.active) else {
        return Err(ApiError::InvalidToken("this API client is disabled".into()));
    };
    // The same fixed-window counters as the sign-in limits.
    let count = crate::ratelimit::hit(db, &format!("client:{client}"), 60).await?;
    if count > c.rate_limit_per_minute {
        return Err(ApiError::TooManyRequests {
            retry_after: crate::ratelimit::retry_after(60),
            detail: format!(
                "this client may make {} requests a minute",
                c.rate_limit_per_minute
            ),
        });
    }
    Ok(c.scopes.split_whitespace().map(str::to_string).collect())
}

/// The scope a client's request needs: the change feed `changes`, reports `reports`, anything
/// else `read`.
pub fn scope_for(path: &str) -> &'static str {
    let rel = path.strip_prefix(crate::state::API_PREFIX).unwrap_or(path);
    if rel == "/changes" || rel.starts_with("/changes/") {
        "changes"
    } else if rel.starts_with("/reports/") {
        "reports"
    } else {
        "read"
    }
}
