//! Request extractors whose failures are problem+json naming the field, and the handlers that
//! route actix's own query and path errors through [`ApiError`].
use crate::error::{ApiError, FieldError};
use actix_web::{
    FromRequest, HttpRequest,
    dev::Payload,
    error::{PathError, PayloadError, QueryPayloadError},
    http::header,
    web,
};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// A JSON body: `application/json` (or `+json`) only, size-limited by the app's `PayloadConfig`,
/// decoded with the path of any bad field.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let body = read_json_body(&req, &mut payload).await?;
            decode_json(&body).map(Json)
        })
    }
}

/// A JSON body together with a fingerprint of its content (keys sorted, spacing ignored), so an
/// idempotent retry can be told from a different request reusing the key.
pub struct FingerprintedJson<T> {
    pub body: T,
    pub fingerprint: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for FingerprintedJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let bytes = read_json_body(&req, &mut payload).await?;
            let body = decode_json(&bytes)?;
            let canonical = serde_json::from_slice::<serde_json::Value>(&bytes)
                .map(|v| v.to_string())
                .unwrap_or_default();
            Ok(FingerprintedJson {
                body,
                fingerprint: crate::auth::tokens::hash_refresh_token(&canonical),
            })
        })
    }
}

async fn read_json_body(req: &HttpRequest, payload: &mut Payload) -> Result<web::Bytes, ApiError> {
    check_json_content_type(req)?;
    web::Bytes::from_request(req, payload)
        .await
        .map_err(|e| match e.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => ApiError::PayloadTooLarge {
                limit: body_limit(req),
            },
            _ => ApiError::bad_request("the request body could not be read"),
        })
}

fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<BodyLimit>().map(|l| l.0).unwrap_or_default()
}

/// The configured body limit, kept beside `PayloadConfig` so 413s can say what it is.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

fn check_json_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else if ct.is_empty() {
        Err(ApiError::UnsupportedMediaType(
            "Content-Type is missing; send application/json".into(),
        ))
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type `{essence}` is not supported; send application/json"
        )))
    }
}

/// Decodes JSON; syntax errors are 400, values of the wrong shape are 422 naming the field.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::bad_request(
            "the request body is empty; a JSON object is expected",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let msg = strip_position(&inner.to_string());
                let (field, msg) = match missing_field(&msg) {
                    Some(f) => (join_path(&path, &f), "is required".to_string()),
                    None if path == "." => ("body".to_string(), msg),
                    None => (path, msg),
                };
                ApiError::Validation(vec![FieldError::new(field, msg)])
            }
            _ => ApiError::bad_request(format!("the request body is not valid JSON: {}", inner)),
        }
    })?;
    Ok(value)
}

fn join_path(parent: &str, field: &str) -> String {
    if parent == "." || parent.is_empty() {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}

fn missing_field(msg: &str) -> Option<String> {
    let rest = msg.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_string())
}

/// serde_json appends " at line 1 column 9": useless to a client once the field is named.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// A query string, decoded with the name of any bad parameter (actix's `web::Query` only says
/// what was wrong, not where).
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(decode_query(req.query_string()).map(Query))
    }
}

pub fn decode_query<T: DeserializeOwned>(qs: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(qs.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.inner().to_string();
        let named = ["missing field `", "unknown field `"]
            .iter()
            .find_map(|p| msg.strip_prefix(p).and_then(|r| r.split('`').next()));
        let field = match (path.as_str(), named) {
            (_, Some(n)) if msg.starts_with("missing") || path == "." => n.to_string(),
            (".", None) | ("", None) => "query".to_string(),
            (p, _) => p.to_string(),
        };
        ApiError::BadRequest {
            detail: format!("invalid parameter `{field}`: {msg}"),
            errors: vec![FieldError::new(field, msg)],
        }
    })
}

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let msg = match &err {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    let field = msg
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
        .unwrap_or("query")
        .to_string();
    ApiError::BadRequest {
        detail: format!("invalid query string: {msg}"),
        errors: vec![FieldError::new(field, msg)],
    }
    .into()
}

pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    let PathError::Deserialize(e) = &err else {
        return ApiError::bad_request("invalid path").into();
    };
    ApiError::BadRequest {
        detail: format!("invalid path parameter: {e}"),
        errors: vec![FieldError::new("path", e.to_string())],
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Q {
        from: Option<chrono::NaiveDate>,
        limit: Option<i64>,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let field = |qs: &str| match decode_query::<Q>(qs) {
            Err(ApiError::BadRequest { errors, .. }) => errors[0].field.clone(),
            other => panic!("{qs}: {other:?}"),
        };
        assert_eq!(field("from=2016-02-30"), "from");
        assert_eq!(field("limit=lots&from=2016-01-01"), "limit");
        assert_eq!(field("nope=1"), "nope");
        assert!(decode_query::<Q>("from=2016-02-29&limit=5").is_ok());
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Login {
        username: String,
        password: String,
        inner: Option<Inner>,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        level: u8,
    }

    fn field_of(e: ApiError) -> (u16, String) {
        let p = e.problem();
        (
            p.status,
            p.errors
                .first()
                .map(|f| f.field.clone())
                .unwrap_or_default(),
        )
    }

    #[test]
    fn syntax_error_is_400() {
        let e = decode_json::<Login>(b"{\"username\": ").unwrap_err();
        assert_eq!(e.problem().status, 400);
        let e = decode_json::<Login>(b"   ").unwrap_err();
        assert_eq!(e.problem().status, 400);
    }

    #[test]
    fn missing_field_is_422_naming_it() {
        let e = decode_json::<Login>(br#"{"username":"a"}"#).unwrap_err();
        assert_eq!(field_of(e), (422, "password".into()));
    }

    #[test]
    fn wrong_type_names_nested_path() {
        let e = decode_json::<Login>(br#"{"username":"a","password":"b","inner":{"level":"x"}}"#)
            .unwrap_err();
        assert_eq!(field_of(e), (422, "inner.level".into()));
    }

    #[test]
    fn vietnamese_text_round_trips() {
        let l: Login =
            decode_json(r#"{"username":"Nguyễn Thế Hòa","password":"p"}"#.as_bytes()).unwrap();
        assert_eq!(l.username, "Nguyễn Thế Hòa");
    }
}
