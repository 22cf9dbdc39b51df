//! Lists as JSON or, when the client asks with `Accept: text/csv`, as CSV: UTF-8 with a byte
//! order mark (so spreadsheet programs read Vietnamese correctly), CRLF rows, one column per
//! field of the item in the order the spec lists them, every page of the same filters streamed
//! as it is read.
use crate::{
    error::{ApiError, ApiResult},
    pagination::{MAX_LIMIT, Page},
};
use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
    dev::Payload,
    http::header::{self, ContentDisposition, DispositionParam, DispositionType},
    web::Bytes,
};
use futures_util::{StreamExt, stream};
use serde::Serialize;
use serde_json::Value;
use std::future::{Future, Ready, ready};
use utoipa::{
    ToSchema,
    openapi::{RefOr, Schema},
};

/// What the client asked for in `Accept`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    /// CSV, downloaded as `<name>.csv`; `;`-separated when asked with
    /// `text/csv; separator=semicolon` (spreadsheet programs set to Vietnamese regional
    /// settings split on `;`).
    Csv {
        name: String,
        separator: char,
    },
}

impl FromRequest for Format {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Format::of(req)))
    }
}

/// One media range of `Accept`, with its weight and parameters.
#[derive(Debug)]
pub struct MediaRange {
    pub media: String,
    pub q: f32,
    pub params: Vec<(String, String)>,
}

/// The media ranges of every `Accept` header; a range whose `q` is not a number gets 1, as a
/// lenient reader would.
pub fn accept_ranges(req: &HttpRequest) -> Vec<MediaRange> {
    weighted(req, &header::ACCEPT)
}

/// The items of every `name` header (`Accept`, `Accept-Encoding`), lower-cased, with their
/// weights and parameters.
pub fn weighted(req: &HttpRequest, name: &header::HeaderName) -> Vec<MediaRange> {
    req.headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|r| {
            let mut parts = r.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            if media.is_empty() {
                return None;
            }
            let mut q = 1.0;
            let mut params = Vec::new();
            for p in parts {
                let Some((k, v)) = p.split_once('=') else {
                    continue;
                };
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().trim_matches('"'));
                if k == "q" {
                    q = v
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q))
                        .unwrap_or(1.0);
                } else {
                    params.push((k, v.to_ascii_lowercase()));
                }
            }
            Some(MediaRange { media, q, params })
        })
        .collect()
}

/// The weight `Accept` gives `media` (RFC 9110 §12.5.1): the most specific matching range
/// decides; no `Accept` at all accepts everything.
pub fn weight<'a>(ranges: &'a [MediaRange], media: &str) -> (f32, Option<&'a MediaRange>) {
    if ranges.is_empty() {
        return (1.0, None);
    }
    let (kind, _) = media.split_once('/').unwrap_or((media, ""));
    let mut best: Option<(u8, &MediaRange)> = None;
    for r in ranges {
        let specificity = if r.media == media {
            3
        } else if r.media == format!("{kind}/*") {
            2
        } else if r.media == "*/*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, r));
        }
    }
    match best {
        Some((_, r)) => (r.q, Some(r)),
        None => (0.0, None),
    }
}

impl Format {
    /// JSON unless `Accept` weighs `text/csv` above zero and at least as high as JSON: a
    /// client that names CSV as high as JSON names it to get it.
    pub fn of(req: &HttpRequest) -> Format {
        let ranges = accept_ranges(req);
        let (csv, range) = weight(&ranges, "text/csv");
        let explicit = range.is_some_and(|r| r.media == "text/csv");
        let (json, _) = weight(&ranges, "application/json");
        if !explicit || csv <= 0.0 || csv < json {
            return Format::Json;
        }
        let separator = match range
            .and_then(|r| r.params.iter().find(|(k, _)| k == "separator"))
            .map(|(_, v)| v.as_str())
        {
            Some("semicolon" | ";") => ';',
            _ => ',',
        };
        Format::Csv {
            name: export_name(req),
            separator,
        }
    }
}

/// The file name of an export: the last segment of the path (`tasks`, `progress`).
pub fn export_name(req: &HttpRequest) -> String {
    req.path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("export")
        .to_string()
}

/// A list query with a cursor and a page size, which CSV exports page through.
pub trait Paged: Clone + 'static {
    fn cursor(&self) -> Option<String>;
    fn limit(&self) -> Option<i64>;
    fn set_page(&mut self, cursor: Option<String>, limit: i64);
}

/// Implements [`Paged`] for query structs with `cursor: Option<String>` and
/// `limit: Option<i64>`.
#[macro_export]
macro_rules! paged {
    ($($t:ty),+ $(,)?) => {$(
        impl $crate::export::Paged for $t {
            fn cursor(&self) -> Option<String> {
                self.cursor.clone()
            }
            fn limit(&self) -> Option<i64> {
                self.limit
            }
            fn set_page(&mut self, cursor: Option<String>, limit: i64) {
                self.cursor = cursor;
                self.limit = Some(limit);
            }
        }
    )+};
}

/// A keyset-paged list: one page as JSON, or every page from the query's cursor on as CSV.
pub async fn page<T, Q, F, Fut>(format: Format, q: Q, fetch: F) -> ApiResult<HttpResponse>
where
    T: Serialize + ToSchema + 'static,
    Q: Paged,
    F: Fn(Q) -> Fut + 'static,
    Fut: Future<Output = ApiResult<Page<T>>> + 'static,
{
    let Format::Csv { name, separator } = format else {
        return Ok(HttpResponse::Ok().json(fetch(q).await?));
    };
    // Checked as for JSON, though an export reads every page whatever the page size.
    crate::pagination::limit(q.limit())?;
    let start = q.cursor();
    let fetch_page = move |cursor: Option<String>| {
        let mut q = q.clone();
        q.set_page(cursor, MAX_LIMIT as i64);
        let f = fetch(q);
        async move { f.await.map(|p| (p.items, p.next_cursor)) }
    };
    stream_csv(&name, separator, start, fetch_page).await
}

/// A list answered whole: as JSON a page like every other list (`next_cursor` null), or CSV.
pub fn list<T: Serialize + ToSchema>(format: Format, items: Vec<T>) -> ApiResult<HttpResponse> {
    match format {
        Format::Json => Ok(HttpResponse::Ok().json(Page {
            items,
            next_cursor: None,
        })),
        Format::Csv { name, separator } => {
            let columns = columns::<T>(&items);
            let mut out = head(&columns, separator);
            rows(&mut out, &columns, &items, separator);
            Ok(csv_response(&name).body(out))
        }
    }
}

/// Pages through `fetch` (items and the next token) from `start`, streaming CSV. The first page
/// is read before answering, so a refused or invalid request is still a problem+json error.
pub async fn stream_csv<T, F, Fut>(
    name: &str,
    separator: char,
    start: Option<String>,
    fetch: F,
) -> ApiResult<HttpResponse>
where
    T: Serialize + ToSchema + 'static,
    F: Fn(Option<String>) -> Fut + 'static,
    Fut: Future<Output = ApiResult<(Vec<T>, Option<String>)>> + 'static,
{
    let (items, next) = fetch(start).await?;
    let columns = columns::<T>(&items);
    let mut first = head(&columns, separator);
    rows(&mut first, &columns, &items, separator);
    let rest = stream::unfold(
        (fetch, next, columns),
        move |(fetch, next, columns)| async move {
            let cursor = next?;
            match fetch(Some(cursor)).await {
                Ok((items, next)) => {
                    let mut out = String::new();
                    rows(&mut out, &columns, &items, separator);
                    Some((Ok(Bytes::from(out)), (fetch, next, columns)))
                }
                Err(e) => {
                    // The status is sent: end the body early rather than claim it is complete.
                    tracing::warn!(error = %e, "CSV export stopped");
                    Some((Err(e), (fetch, None, columns)))
                }
            }
        },
    );
    let body = stream::once(ready(Ok::<_, ApiError>(Bytes::from(first)))).chain(rest);
    Ok(csv_response(name).streaming(body))
}

fn csv_response(name: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::Ok();
    r.content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!("{name}.csv"))],
        });
    r
}

/// The fields of `T` as the spec lists them; the first item's when the schema does not say.
pub fn columns<T: Serialize + ToSchema>(items: &[T]) -> Vec<String> {
    let mut out = Vec::new();
    collect_properties(&T::schema(), &mut out);
    if out.is_empty()
        && let Some(Value::Object(m)) = items.first().and_then(|i| serde_json::to_value(i).ok())
    {
        out = m.keys().cloned().collect();
    }
    out
}

fn collect_properties(schema: &RefOr<Schema>, out: &mut Vec<String>) {
    match schema {
        RefOr::T(Schema::Object(o)) => {
            for k in o.properties.keys() {
                if !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        RefOr::T(Schema::AllOf(a)) => a.items.iter().for_each(|s| collect_properties(s, out)),
        _ => {}
    }
}

fn head(columns: &[String], separator: char) -> String {
    let mut out = String::from("\u{feff}");
    let cells: Vec<String> = columns.iter().map(|c| quote(c, separator)).collect();
    out.push_str(&cells.join(&separator.to_string()));
    out.push_str("\r\n");
    out
}

fn rows<T: Serialize>(out: &mut String, columns: &[String], items: &[T], separator: char) {
    for item in items {
        let v = serde_json::to_value(item).unwrap_or(Value::Null);
        let cells: Vec<String> = columns
            .iter()
            .map(|c| quote(&cell(v.get(c).unwrap_or(&Value::Null)), separator))
            .collect();
        out.push_str(&cells.join(&separator.to_string()));
        out.push_str("\r\n");
    }
}

/// One value as a cell: text as it is, lists of plain values joined with "; ", anything
/// nested as compact JSON. Text that a spreadsheet would run as a formula gets a leading `'`.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => defuse(s),
        Value::Array(a) if a.iter().all(|x| !x.is_array() && !x.is_object()) => {
            let joined: Vec<String> = a
                .iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            defuse(&joined.join("; "))
        }
        other => other.to_string(),
    }
}

fn defuse(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// RFC 4180: quoted when it holds the separator, a quote or a line break; quotes doubled.
pub fn quote(s: &str, separator: char) -> String {
    if s.contains([separator, '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_are_quoted_and_defused() {
        assert_eq!(quote("Nguyễn Thế Hòa", ','), "Nguyễn Thế Hòa");
        assert_eq!(quote("a,b", ','), "\"a,b\"");
        assert_eq!(quote("a,b", ';'), "a,b");
        assert_eq!(quote("a;b", ';'), "\"a;b\"");
        assert_eq!(quote("say \"hi\"", ','), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines", ','), "\"two\nlines\"");
        assert_eq!(cell(&json!("=HYPERLINK(\"x\")")), "'=HYPERLINK(\"x\")");
        assert_eq!(cell(&json!("- rà soát hộ nghèo")), "'- rà soát hộ nghèo");
        assert_eq!(cell(&json!(-3)), "-3");
        assert_eq!(cell(&json!(null)), "");
        assert_eq!(cell(&json!(["HND", "HLHPN"])), "HND; HLHPN");
        assert_eq!(cell(&json!([{"a": 1}])), "[{\"a\":1}]");
        assert_eq!(cell(&json!(true)), "true");
    }

    #[test]
    fn accept_header_picks_csv_by_weight() {
        let of = |accept: Option<&str>| {
            let mut r = actix_web::test::TestRequest::get().uri("/api/v1/tasks?status=open");
            if let Some(a) = accept {
                r = r.insert_header(("accept", a));
            }
            Format::of(&r.to_http_request())
        };
        let csv = |separator| Format::Csv {
            name: "tasks".into(),
            separator,
        };
        assert_eq!(of(Some("text/csv")), csv(','));
        assert_eq!(of(Some("text/csv;q=0.5")), csv(','));
        assert_eq!(of(Some("application/json;q=0.4, text/csv;q=0.5")), csv(','));
        assert_eq!(of(Some("text/csv, application/json")), csv(','));
        assert_eq!(of(Some("text/csv; separator=semicolon")), csv(';'));
        assert_eq!(of(Some("text/csv;q=0.5, */*")), Format::Json);
        assert_eq!(of(Some("application/json, text/csv;q=0.9")), Format::Json);
        assert_eq!(of(Some("application/json, text/csv;q=0")), Format::Json);
        assert_eq!(of(Some("text/csv;q=0")), Format::Json);
        assert_eq!(of(Some("text/*")), Format::Json);
        assert_eq!(of(None), Format::Json);
    }
}
