//! Optimistic concurrency: every mutable resource has a `version`, served as its `ETag`.
//! A write with `If-Match` naming another version is refused with 412 and changes nothing.
use crate::error::ApiError;
use actix_web::{
    FromRequest, HttpRequest, HttpResponse, dev::Payload, http::StatusCode, http::header,
};
use serde::Serialize;
use std::future::{Ready, ready};

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// A JSON response with the resource's `ETag`.
pub fn with_etag<T: Serialize>(status: StatusCode, body: &T, version: i32) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// The `If-Match` header: absent, `*`, or a list of entity tags.
#[derive(Debug, Default, Clone)]
pub struct IfMatch(Option<Vec<String>>);

impl IfMatch {
    pub fn parse(raw: Option<&str>) -> Self {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => IfMatch(None),
            Some(s) => IfMatch(Some(
                s.split(',')
                    .map(|t| t.trim().trim_start_matches("W/").to_string())
                    .collect(),
            )),
        }
    }

    /// Ok when there is no precondition or it names `current`.
    pub fn check(&self, current: i32) -> Result<(), ApiError> {
        match &self.0 {
            None => Ok(()),
            Some(tags) if tags.iter().any(|t| t == "*" || *t == etag(current)) => Ok(()),
            Some(_) => Err(ApiError::PreconditionFailed(format!(
                "the resource is at version {current} (ETag {}); fetch it again and retry",
                etag(current)
            ))),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = req
            .headers()
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok());
        ready(Ok(IfMatch::parse(raw)))
    }
}

/// Writes `am` only if the row is still at `read_version`: of two concurrent writers that read
/// the same version, the second gets 412 instead of silently overwriting the first.
pub async fn save_if_unchanged<A>(
    conn: &impl sea_orm::ConnectionTrait,
    am: A,
    version_column: <A::Entity as sea_orm::EntityTrait>::Column,
    read_version: i32,
) -> Result<<A::Entity as sea_orm::EntityTrait>::Model, ApiError>
where
    A: sea_orm::ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as sea_orm::EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let result = A::Entity::update(am)
        .validate()?
        .filter(version_column.eq(read_version))
        .exec(conn)
        .await;
    match result {
        Ok(m) => Ok(m),
        Err(sea_orm::DbErr::RecordNotUpdated) => Err(ApiError::PreconditionFailed(
            "the resource was changed by someone else meanwhile; fetch it again and retry".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_current_star_or_absent() {
        assert!(IfMatch::parse(None).check(3).is_ok());
        assert!(IfMatch::parse(Some("\"3\"")).check(3).is_ok());
        assert!(IfMatch::parse(Some("W/\"3\"")).check(3).is_ok());
        assert!(IfMatch::parse(Some("\"1\", \"3\"")).check(3).is_ok());
        assert!(IfMatch::parse(Some("*")).check(3).is_ok());
        assert_eq!(
            IfMatch::parse(Some("\"2\""))
                .check(3)
                .unwrap_err()
                .problem()
                .status,
            412
        );
        assert_eq!(
            IfMatch::parse(Some("3"))
                .check(3)
                .unwrap_err()
                .problem()
                .status,
            412
        );
    }
}
