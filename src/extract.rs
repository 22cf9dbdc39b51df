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

async fn read_json_body(req: &HttpRequest, payload: &mut Payload) -> Result<web::Bytes, ApiError> {
    check_json_content_type(req)?;
    read_body(req, payload).await
}

/// The whole body, within the app's limit (`413` past it, `408` too slow).
pub async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<web::Bytes, ApiError> {
    web::Bytes::from_request(req, payload)
        .await
        .map_err(|e| body_error(req, &e))
}

/// The request's media type without its parameters, lower-cased (`""` when absent).
pub fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Why a body could not be read, as the API's error: too large (413), too slow (408) or broken
/// off (400).
pub fn body_error(req: &HttpRequest, e: &actix_web::Error) -> ApiError {
    match e.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::PayloadTooLarge {
            limit: body_limit(req),
        },
        Some(PayloadError::Io(io)) if io.kind() == std::io::ErrorKind::TimedOut => {
            ApiError::RequestTimeout
        }
        _ => ApiError::bad_request("the request body could not be read"),
    }
}

fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<BodyLimit>().map(|l| l.0).unwrap_or_default()
}

/// The configured body limit, kept beside `PayloadConfig` so 413s can say what it is.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

fn check_json_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let essence = media_type(req);
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else if essence.is_empty() {
        Err(ApiError::UnsupportedMediaType(
            "Content-Type is missing; send application/json".into(),
        ))
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type `{essence}` is not supported; send application/json"
        )))
    }
}

/// Decodes JSON; syntax errors are 400, values of the wrong shape are 422 naming the field, and
/// so are control characters and dates out of range anywhere in the body ([`clean`]).
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::bad_request(
            "the request body is empty; a JSON object is expected",
        ));
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let mut errors = Vec::new();
        clean::walk(&value, &mut String::new(), &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
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
                    None => {
                        let msg = explain(&path, msg);
                        (path, msg)
                    }
                };
                ApiError::Validation(vec![FieldError::new(field, msg)])
            }
            _ => ApiError::bad_request(format!("the request body is not valid JSON: {}", inner)),
        }
    })?;
    Ok(value)
}

/// A library's message about a value (chrono's "trailing input", uuid's "invalid character …",
/// an integer's "invalid digit found in string") as what the field expects, with an example.
pub fn explain(field: &str, msg: String) -> String {
    const CHRONO: [&str; 7] = [
        "input contains invalid characters",
        "trailing input",
        "premature end of input",
        "input is out of range",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
        "bad or unsupported format string",
    ];
    let last = field.rsplit('.').next().unwrap_or(field);
    if CHRONO.iter().any(|c| msg.contains(c)) {
        return if last.ends_with("_at") {
            "must be a date and time in RFC 3339, e.g. 2026-03-31T08:30:00+07:00".into()
        } else {
            "must be a date YYYY-MM-DD, e.g. 2026-03-31".into()
        };
    }
    if msg.starts_with("UUID parsing failed")
        || msg.starts_with("invalid character: expected an optional prefix of `urn:uuid:`")
        || msg.starts_with("invalid length: expected length 32")
        || msg.starts_with("invalid group")
    {
        return "must be a UUID, e.g. 019ac000-0000-7000-8000-000000000001".into();
    }
    if msg.contains("invalid digit found in string")
        || msg.contains("cannot parse integer from empty string")
        || msg.contains("number too large to fit in target type")
        || msg.contains("number too small to fit in target type")
    {
        return "must be a whole number".into();
    }
    if msg.contains("invalid float literal") {
        return "must be a number".into();
    }
    if msg.contains("provided string was not `true` or `false`") {
        return "must be true or false".into();
    }
    msg
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

/// A request body as bytes, read under the same limits and errors as [`Json`].
pub struct RawBody(pub web::Bytes);

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            web::Bytes::from_request(&req, &mut payload)
                .await
                .map(RawBody)
                .map_err(|e| body_error(&req, &e))
        })
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
    let errors: Vec<FieldError> = form_urlencoded::parse(qs.as_bytes())
        .filter_map(|(k, v)| clean::check(&v, false).map(|m| FieldError::new(k, m)))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
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
        let msg = explain(&field, msg);
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
    let msg = explain("path", e.to_string());
    ApiError::BadRequest {
        detail: format!("invalid path parameter: {msg}"),
        errors: vec![FieldError::new("path", msg)],
    }
    .into()
}

/// What no request may carry in a string: control characters (tab, CR and LF aside, and only in
/// bodies), which PostgreSQL cannot store and no person types; and dates outside 1945–2100,
/// which no record of the Front's work can have and which sort wrongly as text. Checked at the
/// edge, once for every body and query, so no field can forget it.
pub mod clean {
    use crate::error::FieldError;
    use serde_json::Value;

    pub const FIRST_YEAR: i64 = 1945;
    pub const LAST_YEAR: i64 = 2100;

    /// Why `s` is refused, if it is.
    pub fn check(s: &str, newlines: bool) -> Option<String> {
        let bad = s
            .chars()
            .find(|c| c.is_control() && !(newlines && matches!(c, '\t' | '\n' | '\r')));
        if let Some(c) = bad {
            return Some(format!(
                "must not contain control characters (found U+{:04X})",
                c as u32
            ));
        }
        match date_year(s) {
            Some(y) if !(FIRST_YEAR..=LAST_YEAR).contains(&y) => Some(format!(
                "must be a date from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31"
            )),
            _ => None,
        }
    }

    /// The year of a string that is a date (`YYYY-MM-DD`, signed or longer years included) or
    /// starts a date-time (`YYYY-MM-DDT…`); None for anything else.
    fn date_year(s: &str) -> Option<i64> {
        let (sign, rest) = match s.as_bytes().first()? {
            b'+' | b'-' => (&s[..1], &s[1..]),
            _ => ("", s),
        };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits < 4 {
            return None;
        }
        let tail = &rest.as_bytes()[digits..];
        let shaped = tail.len() >= 6
            && tail[0] == b'-'
            && tail[1..3].iter().all(u8::is_ascii_digit)
            && tail[3] == b'-'
            && tail[4..6].iter().all(u8::is_ascii_digit)
            && matches!(tail.get(6), None | Some(b'T' | b't'));
        if !shaped {
            return None;
        }
        let year: i64 = rest[..digits].parse().unwrap_or(i64::MAX);
        Some(if sign == "-" { -year } else { year })
    }

    /// Collects every offending string (and key) with its JSON path.
    pub fn walk(v: &Value, path: &mut String, errors: &mut Vec<FieldError>) {
        match v {
            Value::String(s) => {
                if let Some(m) = check(s, true) {
                    errors.push(FieldError::new(field(path), m));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, errors);
                    path.truncate(len);
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    if let Some(m) = check(k, false) {
                        errors.push(FieldError::new(field(path), format!("(a key) {m}")));
                    } else {
                        walk(item, path, errors);
                    }
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn field(path: &str) -> String {
        if path.is_empty() {
            "body".into()
        } else {
            path.into()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn control_characters_are_refused_but_newlines_in_bodies_are_not() {
            assert!(check("Thôn\u{0}Bắc", true).is_some());
            assert!(check("a\u{7f}", true).is_some());
            assert!(check("a\u{85}", true).is_some());
            assert!(check("dòng 1\r\ndòng 2\tcột", true).is_none());
            assert!(check("a\tb", false).is_some());
            assert!(check("Nguyễn Thị Hòa", false).is_none());
        }

        #[test]
        fn dates_are_held_to_1945_2100() {
            for bad in [
                "0000-01-01",
                "-0001-01-01",
                "+10000-01-01",
                "10000-01-01",
                "1944-12-31",
                "2101-01-01",
                "2101-01-01T00:00:00Z",
            ] {
                assert!(check(bad, true).is_some(), "{bad}");
            }
            for good in [
                "1945-09-02",
                "2016-02-29",
                "2100-12-31",
                "2016-02-29T08:00:00+07:00",
                "15-3-2016",
                "12-CT/TW",
                "0912-345-678",
                "10000 hộ",
            ] {
                assert!(check(good, true).is_none(), "{good}");
            }
        }

        #[test]
        fn paths_name_the_field() {
            let v: Value = serde_json::json!({"decisions": [{"title": "ok"}, {"title": "x\u{0}"}], "due_on": "0000-01-01"});
            let mut errors = Vec::new();
            walk(&v, &mut String::new(), &mut errors);
            let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["decisions[1].title", "due_on"]);
        }
    }
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

/// A body that is one item or a list of them (`[…]`), decoded with each item's fields named by
/// index (`[3].unit_id`). Its schema is the endpoint's own (see `MeasurementBody`).
#[derive(Debug)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object, or a list of objects")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(a)).map(OneOrMany::One)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                <Vec<T> as serde::Deserialize>::deserialize(
                    serde::de::value::SeqAccessDeserializer::new(a),
                )
                .map(OneOrMany::Many)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}
