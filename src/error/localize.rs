//! Problems in the client's language: every problem+json answer is written in English by the
//! error type; this layer rewrites its title, detail and field messages in Vietnamese when
//! `Accept-Language` prefers `vi`, and says which it is in `Content-Language`. English is the
//! default (no header, `*`, or any other language first), so servers that send nothing get the
//! same text as before. Codes never change with the language.
use super::catalog;
use actix_web::{
    Error, HttpRequest,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderValue},
    middleware::Next,
};
use serde_json::Value;

/// Whether the language ranges of `Accept-Language` put Vietnamese first (highest `q`; the
/// first listed among equals).
pub fn prefers_vietnamese(req: &HttpRequest) -> bool {
    let mut best: Option<(f32, bool)> = None;
    for range in req
        .headers()
        .get_all(header::ACCEPT_LANGUAGE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        if tag.is_empty() {
            continue;
        }
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let vi = tag == "vi" || tag.starts_with("vi-");
        if best.is_none_or(|(b, _)| q > b) {
            best = Some((q, vi));
        }
    }
    best.is_some_and(|(_, vi)| vi)
}

pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Not a clone of the request: routing needs it unshared. The layers inside answer
    // refusals as responses (`req.error_response`), so they pass through here.
    let vi = prefers_vietnamese(req.request());
    let res = as_problem(next.call(req).await?.map_into_boxed_body());
    if res.status().as_u16() < 400 {
        return Ok(res);
    }
    let (req, mut res) = res.into_parts();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(if vi { "vi" } else { "en" }),
    );
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    if !vi {
        return Ok(ServiceResponse::new(req, res));
    }
    let (res, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut problem) => {
            to_vietnamese(&mut problem);
            serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec())
        }
        Err(_) => bytes.to_vec(),
    };
    let res = res.set_body(BoxBody::new(body));
    // The length changed with the text.
    let mut res = res;
    res.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(ServiceResponse::new(req, res))
}

/// Error responses that the framework or a middleware (CORS) produced in its own format
/// (plain text, empty) are rewritten as problem+json with the same status and the code of
/// that status, so clients parse one format.
fn as_problem(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(super::PROBLEM_JSON.as_bytes()));
    if status.as_u16() < 400 || is_problem {
        return res;
    }
    let detail = match (status.is_client_error(), res.response().error()) {
        (true, Some(e)) => e.to_string(),
        _ => status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase(),
    };
    let kind = catalog::TYPES
        .iter()
        .find(|t| t.status == status.as_u16())
        .unwrap_or_else(|| {
            catalog::problem_type(if status.is_client_error() {
                "malformed_request"
            } else {
                "internal"
            })
        });
    let body = serde_json::json!({
        "type": kind.uri(),
        "code": kind.code,
        "title": kind.en,
        "status": status.as_u16(),
        "detail": detail,
    })
    .to_string();
    res.map_body(|head, _| {
        head.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(super::PROBLEM_JSON),
        );
        head.headers_mut().remove(header::CONTENT_LENGTH);
        BoxBody::new(body)
    })
}

/// Rewrites a problem document in Vietnamese.
pub fn to_vietnamese(problem: &mut Value) {
    let code = problem["code"].as_str().unwrap_or("internal").to_string();
    let kind = catalog::problem_type(&code);
    problem["title"] = Value::from(kind.vi);
    let mut fields = Vec::new();
    // `get_mut`, not indexing: indexing a missing key would add `"errors": null`.
    if let Some(errors) = problem.get_mut("errors").and_then(Value::as_array_mut) {
        for e in errors {
            let message = e["message"].as_str().unwrap_or_default();
            let vi = catalog::vietnamese(message)
                .unwrap_or_else(|| format!("giá trị không hợp lệ: {message}"));
            fields.push((
                e["field"].as_str().unwrap_or_default().to_string(),
                vi.clone(),
            ));
            e["message"] = Value::from(vi);
        }
    }
    let detail = problem["detail"].as_str().unwrap_or_default().to_string();
    let vi = match (code.as_str(), fields.as_slice()) {
        ("validation_failed", [(field, message)]) => format!("`{field}` {message}"),
        ("validation_failed", many) if !many.is_empty() => {
            format!("{} trường không hợp lệ", many.len())
        }
        _ => catalog::vietnamese(&detail).unwrap_or_else(|| format!("{}: {detail}", kind.vi)),
    };
    problem["detail"] = Value::from(vi);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accept_language_picks_vietnamese_only_when_first() {
        let vi = |h: Option<&str>| {
            let mut r = actix_web::test::TestRequest::get();
            if let Some(h) = h {
                r = r.insert_header(("accept-language", h));
            }
            prefers_vietnamese(&r.to_http_request())
        };
        assert!(vi(Some("vi")));
        assert!(vi(Some("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7")));
        assert!(vi(Some("en;q=0.5, vi")));
        assert!(!vi(Some("en-US,en;q=0.9,vi;q=0.8")));
        assert!(!vi(Some("vi;q=0, en")));
        assert!(!vi(Some("*")));
        assert!(!vi(None));
    }

    #[test]
    fn a_validation_problem_reads_in_vietnamese() {
        let e = crate::error::ApiError::Validation(vec![crate::error::FieldError::new(
            "title",
            "must be at most 300 characters",
        )]);
        let mut p = serde_json::to_value(e.problem()).unwrap();
        to_vietnamese(&mut p);
        assert_eq!(p["title"], "Dữ liệu không hợp lệ");
        assert_eq!(p["detail"], "`title` tối đa 300 ký tự");
        assert_eq!(
            p["errors"],
            json!([{"field": "title", "code": "too_long", "message": "tối đa 300 ký tự"}])
        );
        assert_eq!(p["code"], "validation_failed");
        // A problem without field errors gets none added.
        let mut p =
            serde_json::to_value(crate::error::ApiError::not_found("task").problem()).unwrap();
        to_vietnamese(&mut p);
        assert!(p.get("errors").is_none(), "{p}");
        assert_eq!(p["detail"], "không tìm thấy nhiệm vụ");
    }
}
