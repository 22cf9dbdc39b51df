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
    /// CSV, downloaded as `<name>.csv`.
    Csv {
        name: String,
    },
}

impl FromRequest for Format {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Format::of(req)))
    }
}

impl Format {
    pub fn of(req: &HttpRequest) -> Format {
        let wants_csv = req
            .headers()
            .get_all(header::ACCEPT)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|r| {
                let mut parts = r.split(';');
                let media = parts.next().unwrap_or("").trim();
                // `text/csv;q=0` means "not CSV".
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        == Some(0.0)
                });
                media.eq_ignore_ascii_case("text/csv") && !refused
            });
        if !wants_csv {
            return Format::Json;
        }
        let name = req
            .path()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("export")
            .to_string();
        Format::Csv { name }
    }
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
    let Format::Csv { name } = format else {
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
    stream_csv(&name, start, fetch_page).await
}

/// A list answered whole: JSON, or CSV.
pub fn list<T: Serialize + ToSchema>(format: Format, items: Vec<T>) -> ApiResult<HttpResponse> {
    match format {
        Format::Json => Ok(HttpResponse::Ok().json(items)),
        Format::Csv { name } => {
            let columns = columns::<T>(&items);
            let mut out = head(&columns);
            rows(&mut out, &columns, &items);
            Ok(csv_response(&name).body(out))
        }
    }
}

/// Pages through `fetch` (items and the next token) from `start`, streaming CSV. The first page
/// is read before answering, so a refused or invalid request is still a problem+json error.
pub async fn stream_csv<T, F, Fut>(
    name: &str,
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
    let mut first = head(&columns);
    rows(&mut first, &columns, &items);
    let rest = stream::unfold(
        (fetch, next, columns),
        |(fetch, next, columns)| async move {
            let cursor = next?;
            match fetch(Some(cursor)).await {
                Ok((items, next)) => {
                    let mut out = String::new();
                    rows(&mut out, &columns, &items);
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

fn head(columns: &[String]) -> String {
    let mut out = String::from("\u{feff}");
    let cells: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
    out
}

fn rows<T: Serialize>(out: &mut String, columns: &[String], items: &[T]) {
    for item in items {
        let v = serde_json::to_value(item).unwrap_or(Value::Null);
        let cells: Vec<String> = columns
            .iter()
            .map(|c| quote(&cell(v.get(c).unwrap_or(&Value::Null))))
            .collect();
        out.push_str(&cells.join(","));
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

/// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
pub fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
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
        assert_eq!(quote("Nguyễn Thế Hòa"), "Nguyễn Thế Hòa");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell(&json!("=HYPERLINK(\"x\")")), "'=HYPERLINK(\"x\")");
        assert_eq!(cell(&json!("- rà soát hộ nghèo")), "'- rà soát hộ nghèo");
        assert_eq!(cell(&json!(-3)), "-3");
        assert_eq!(cell(&json!(null)), "");
        assert_eq!(cell(&json!(["HND", "HLHPN"])), "HND; HLHPN");
        assert_eq!(cell(&json!([{"a": 1}])), "[{\"a\":1}]");
        assert_eq!(cell(&json!(true)), "true");
    }

    #[test]
    fn accept_header_picks_csv() {
        let req = actix_web::test::TestRequest::get()
            .uri("/api/v1/tasks?status=open")
            .insert_header(("accept", "text/csv"))
            .to_http_request();
        assert_eq!(
            Format::of(&req),
            Format::Csv {
                name: "tasks".into()
            }
        );
        let req = actix_web::test::TestRequest::get()
            .uri("/api/v1/tasks")
            .insert_header(("accept", "application/json, text/csv;q=0"))
            .to_http_request();
        assert_eq!(Format::of(&req), Format::Json);
        let req = actix_web::test::TestRequest::get()
            .uri("/api/v1/tasks")
            .to_http_request();
        assert_eq!(Format::of(&req), Format::Json);
    }
}
