//! Admission of API clients: a client's token is let through only while the client is active
//! and within its rate limit, with the scopes it holds now (not those in the token).
use crate::{
    entities::api_client,
    error::{ApiError, ApiResult},
    position::Of,
};
use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect};
use uuid::Uuid;

/// Lets a client's request through if the client is active and within its limit for the current
/// minute; the count lives in the database, so every instance shares it. Answers the scopes the
/// client holds now and the position of `of` (0 without one), read with the client (see
/// [`crate::position::column`]).
pub async fn admit(
    db: &DatabaseConnection,
    client: Uuid,
    of: Option<&Of>,
) -> ApiResult<(Vec<String>, i64)> {
    let c: Option<(bool, i32, String, i64)> = api_client::Entity::find_by_id(client)
        .select_only()
        .column(api_client::Column::Active)
        .column(api_client::Column::RateLimitPerMinute)
        .column(api_client::Column::Scopes)
        .column_as(crate::position::column(of), "position")
        .into_tuple()
        .one(db)
        .await?;
    let Some((_, limit, scopes, position)) = c.filter(|c| c.0) else {
        return Err(ApiError::InvalidToken("this API client is disabled".into()));
    };
    // The same fixed-window counters as the sign-in limits.
    let count = crate::ratelimit::hit(db, &format!("client:{client}"), 60).await?;
    if count > limit {
        return Err(ApiError::TooManyRequests {
            retry_after: crate::ratelimit::retry_after(60),
            detail: format!("this client may make {limit} requests a minute"),
        });
    }
    Ok((
        scopes.split_whitespace().map(str::to_string).collect(),
        position,
    ))
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
