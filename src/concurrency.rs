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
    /// Parses the header: `*` or a list of entity tags (RFC 9110 §8.8.3), strong (`"3"`) or
    /// weak (`W/"3"`), with any opaque text; anything else is 400.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let Some(raw) = raw else {
            return Ok(IfMatch(None));
        };
        let bad = || {
            ApiError::bad_field(
                "If-Match",
                "must be an entity tag from an ETag, such as \"3\", or *",
            )
        };
        let raw = raw.trim();
        if raw == "*" {
            return Ok(IfMatch(Some(vec!["*".into()])));
        }
        let mut tags = Vec::new();
        for t in raw.split(',') {
            let t = t.trim();
            let opaque = t.strip_prefix("W/").unwrap_or(t);
            let inner = opaque
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or_else(bad)?;
            // etagc = %x21 / %x23-7E / obs-text
            if !inner.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80) {
                return Err(bad());
            }
            tags.push(t.to_string());
        }
        Ok(IfMatch(Some(tags)))
    }

    /// Ok when there is no precondition or it names `current`. `If-Match` compares strongly
    /// (RFC 9110 §13.1.1): a weak tag never matches, and any tag that is not the current one is
    /// 412, ours or not.
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
        // A header that is not even text is as malformed as a bad tag.
        let raw = req
            .headers()
            .get(header::IF_MATCH)
            .map(|v| v.to_str().unwrap_or("\u{0}"));
        ready(IfMatch::parse(raw))
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
        let ok = |s: Option<&str>| IfMatch::parse(s).unwrap().check(3);
        assert!(ok(None).is_ok());
        assert!(ok(Some("\"3\"")).is_ok());
        // Strong comparison: a weak tag never matches; any other well-formed tag is 412.
        for stale in ["W/\"3\"", "\"2\"", "\"stale-0\"", "\"\"", "W/\"x\", \"4\""] {
            let e = ok(Some(stale)).unwrap_err().problem();
            assert_eq!(e.status, 412, "{stale:?}");
        }
        assert!(ok(Some("\"1\", \"3\"")).is_ok());
        assert!(ok(Some("*")).is_ok());
    }

    #[test]
    fn malformed_if_match_is_400() {
        for bad in ["", "3", "null", "\"a b\"", "\"a\"b\"", "\"3\", 4", "**", "w/\"3\""] {
            let e = IfMatch::parse(Some(bad)).unwrap_err().problem();
            assert_eq!(
                (e.status, e.errors[0].field.as_str()),
                (400, "If-Match"),
                "{bad:?}"
            );
        }
    }
}
