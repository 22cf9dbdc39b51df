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
            if !inner
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
            {
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

/// The largest answer the conditional layer reads whole to tag it.
const TAG_LIMIT: u64 = 8 * 1024 * 1024;

/// Conditional GETs on every resource and list: a `200` without an `ETag` gets a weak one made
/// from its body (a resource's own `ETag` is its version), and `If-None-Match` naming it (weak
/// comparison, RFC 9110 §13.1.2) turns the answer into `304 Not Modified` with no body. Streamed
/// answers (CSV exports) are left as they are.
pub async fn conditional_get(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::body::{BodySize, BoxBody, MessageBody};
    use actix_web::http::{Method, header::HeaderValue};
    let is_get = matches!(*req.method(), Method::GET | Method::HEAD);
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = next.call(req).await?.map_into_boxed_body();
    if !is_get || res.status() != StatusCode::OK {
        return Ok(res);
    }
    let (req, mut res) = res.into_parts();
    let tag = match res.headers().get(header::ETAG) {
        Some(t) => t.to_str().unwrap_or_default().to_string(),
        None => {
            let sized = matches!(res.body().size(), BodySize::Sized(n) if n <= TAG_LIMIT);
            if !sized {
                return Ok(actix_web::dev::ServiceResponse::new(req, res));
            }
            let (head, body) = res.into_parts();
            let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
            let tag = body_tag(&bytes);
            res = head.set_body(BoxBody::new(bytes));
            if let Ok(v) = HeaderValue::from_str(&tag) {
                res.headers_mut().insert(header::ETAG, v);
            }
            tag
        }
    };
    if let Some(inm) = if_none_match
        && weak_match(&inm, &tag)
    {
        let mut not_modified = HttpResponse::NotModified();
        for name in [
            header::ETAG,
            header::CACHE_CONTROL,
            header::VARY,
            header::CONTENT_LOCATION,
        ] {
            if let Some(v) = res.headers().get(&name) {
                not_modified.insert_header((name.clone(), v.clone()));
            }
        }
        return Ok(actix_web::dev::ServiceResponse::new(
            req,
            not_modified.finish(),
        ));
    }
    Ok(actix_web::dev::ServiceResponse::new(req, res))
}

/// A weak tag for a body: the first 16 bytes of its SHA-256, base64url.
pub fn body_tag(body: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(body);
    format!(
        "W/\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
    )
}

/// `If-None-Match` against the current tag: `*`, or any listed tag equal but for `W/`.
pub fn weak_match(header: &str, current: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    header.trim() == "*" || header.split(',').any(|t| opaque(t) == opaque(current))
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
    fn if_none_match_compares_weakly() {
        assert!(weak_match("\"3\"", "\"3\""));
        assert!(weak_match("W/\"3\"", "\"3\""));
        assert!(weak_match("\"1\", W/\"abc\"", "W/\"abc\""));
        assert!(weak_match("*", "W/\"abc\""));
        assert!(!weak_match("\"4\"", "\"3\""));
        assert_eq!(body_tag(b"x"), body_tag(b"x"));
        assert_ne!(body_tag(b"x"), body_tag(b"y"));
    }

    #[test]
    fn malformed_if_match_is_400() {
        for bad in [
            "", "3", "null", "\"a b\"", "\"a\"b\"", "\"3\", 4", "**", "w/\"3\"",
        ] {
            let e = IfMatch::parse(Some(bad)).unwrap_err().problem();
            assert_eq!(
                (e.status, e.errors[0].field.as_str()),
                (400, "If-Match"),
                "{bad:?}"
            );
        }
    }
}
