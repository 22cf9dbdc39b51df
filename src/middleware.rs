//! Per-request plumbing: the request id (echoed or new), one access-log line, metrics, and the
//! security headers every response carries.
use crate::metrics::Metrics;
use actix_web::web::Bytes;
use actix_web::{
    Error, HttpMessage,
    body::{BodySize, BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderName, HeaderValue},
    middleware::Next,
    web,
};
use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Instant,
};
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, available to handlers through request extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn acceptable_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b));
    ok.then(|| s.to_string())
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(acceptable_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().to_string();
    let path = loggable_path(req.path());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        account = tracing::field::Empty
    );

    let fixed_today = req.app_data::<FixedToday>().and_then(|d| d.0);
    let result = crate::clock::FIXED_TODAY
        .scope(fixed_today, next.call(req).instrument(span.clone()))
        .await;
    // Inner services answer errors as responses (problem+json, `error::localize`); an Err here
    // would come from a middleware without access to the request, and actix renders it with
    // its `error_response` (the API's own errors render as problem+json there too).
    let mut res = result?.map_into_boxed_body();

    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let elapsed = started.elapsed();
    if let Some(m) = metrics {
        m.record(
            crate::metrics::method_label(&method),
            &route,
            status,
            elapsed,
        );
    }
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        // 503s (an outage, or work turned away under load) are expected conditions, logged
        // below error so a flood of them does not drown the log's real errors.
        if status >= 500 && status != 503 {
            tracing::error!(%method, %path, status, latency_ms, "request");
        } else if status == 503 {
            tracing::warn!(%method, %path, status, latency_ms, "request");
        } else {
            tracing::info!(%method, %path, status, latency_ms, "request");
        }
    });

    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // API answers are personal and some carry tokens or secrets: no cache keeps them.
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if path.starts_with("/swagger-ui") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SWAGGER_CSP),
        );
    }
    Ok(res.map_body(|_, body| in_slices(body)))
}

/// The most a response hands the connection at once, and what the server buffers before a write
/// (`HttpServer::h1_write_buffer_size`). actix copies each piece of a body into the connection's
/// write buffer and keeps that buffer's capacity for the connection's life (up to 128 KiB): a
/// 48 KB page sent whole left a buffer that large on every kept-alive connection, 7 MiB at 128
/// clients (massif). In pieces of 7 KiB, the head and one piece fit the 8 KiB buffer a
/// connection starts with.
pub const SLICE: usize = 7 * 1024;

/// A body larger than [`SLICE`], or a stream, handed over in pieces of at most [`SLICE`] (slices
/// of the same bytes, no copy); its size, and so its `Content-Length`, unchanged.
fn in_slices(body: BoxBody) -> BoxBody {
    match body.size() {
        BodySize::Sized(n) if n <= SLICE as u64 => body,
        BodySize::None => body,
        _ => BoxBody::new(Slices {
            inner: body,
            rest: Bytes::new(),
        }),
    }
}

struct Slices {
    inner: BoxBody,
    /// What is left of the inner body's last piece.
    rest: Bytes,
}

impl MessageBody for Slices {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.inner.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        loop {
            if !this.rest.is_empty() {
                let n = this.rest.len().min(SLICE);
                return Poll::Ready(Some(Ok(this.rest.split_to(n))));
            }
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(piece))) => this.rest = piece,
                other => return other,
            }
        }
    }
}

/// Swagger UI loads only its own files (no inline script); it needs inline styles and data:
/// images, and calls only this service.
const SWAGGER_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Cuts off a request body that takes longer than `KHOI_BODY_TIMEOUT` to arrive (a client
/// trickling bytes would otherwise hold a connection and a worker's attention indefinitely).
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let has_body = req.headers().contains_key(header::CONTENT_LENGTH)
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let upload =
        crate::state::STREAMED_BODIES.contains(&req.match_pattern().unwrap_or_default().as_str());
    let deadline = req
        .app_data::<BodyTimeout>()
        .map(|t| if upload { t.1 } else { t.0 });
    if has_body && let Some(limit) = deadline {
        let inner = req.take_payload();
        let stream: actix_http::BoxedPayloadStream = Box::pin(Deadline {
            inner,
            sleep: Box::pin(tokio::time::sleep(limit)),
            done: false,
        });
        req.set_payload(actix_web::dev::Payload::from(stream));
    }
    next.call(req).await.map(|r| r.map_into_boxed_body())
}

/// The path as logs may show it: a calendar feed's address is its credential, so it is cut.
pub fn loggable_path(path: &str) -> String {
    let calendar = format!("{}/calendar/", crate::state::API_PREFIX);
    match path.strip_prefix(calendar.as_str()) {
        Some(_) => format!("{calendar}…"),
        None => path.to_string(),
    }
}

/// The configured `KHOI_FIXED_TODAY`, as app data.
#[derive(Clone, Copy)]
pub struct FixedToday(pub Option<chrono::NaiveDate>);

/// The configured body timeouts, as app data: for every body, and for an upload's.
#[derive(Clone, Copy)]
pub struct BodyTimeout(pub std::time::Duration, pub std::time::Duration);

struct Deadline {
    inner: actix_web::dev::Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    done: bool,
}

impl futures_util::Stream for Deadline {
    type Item = Result<web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        use std::future::Future;
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.done = true;
            return Poll::Ready(Some(Err(actix_web::error::PayloadError::Io(
                std::io::Error::new(std::io::ErrorKind::TimedOut, crate::error::BODY_TIMED_OUT),
            ))));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_secrets_stay_out_of_the_logs() {
        assert_eq!(
            super::loggable_path("/api/v1/calendar/kc_secret.ics"),
            "/api/v1/calendar/…"
        );
        assert_eq!(super::loggable_path("/api/v1/tasks"), "/api/v1/tasks");
    }

    #[test]
    fn request_ids_are_sanitised() {
        assert_eq!(
            acceptable_id(&HeaderValue::from_static("abc-123")),
            Some("abc-123".into())
        );
        assert_eq!(acceptable_id(&HeaderValue::from_static("a b")), None);
        let long = "a".repeat(129);
        assert_eq!(acceptable_id(&HeaderValue::from_str(&long).unwrap()), None);
    }

    /// Every piece a body yields, in order, through `in_slices`.
    fn pieces(body: BoxBody) -> (BodySize, Vec<Bytes>) {
        let mut body = in_slices(body);
        let size = body.size();
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(piece)) = Pin::new(&mut body).poll_next(&mut cx) {
            out.push(piece.unwrap());
        }
        (size, out)
    }

    #[test]
    fn large_bodies_go_out_in_slices_of_the_same_bytes() {
        let page: Vec<u8> = (0..48_000u32).map(|i| (i % 251) as u8).collect();
        let (size, out) = pieces(BoxBody::new(Bytes::from(page.clone())));
        assert_eq!(size, BodySize::Sized(48_000));
        assert_eq!(out.len(), 48_000usize.div_ceil(SLICE));
        assert!(out.iter().all(|p| !p.is_empty() && p.len() <= SLICE));
        assert_eq!(out.concat(), page);
    }

    #[test]
    fn small_bodies_are_left_whole() {
        let (size, out) = pieces(BoxBody::new(Bytes::from_static(b"{\"ok\":true}")));
        assert_eq!(size, BodySize::Sized(11));
        assert_eq!(out, vec![Bytes::from_static(b"{\"ok\":true}")]);
        let (size, out) = pieces(BoxBody::new(()));
        assert_eq!((size, out.len()), (BodySize::Sized(0), 0));
        let (size, out) = pieces(BoxBody::new(actix_web::body::None::new()));
        assert_eq!((size, out.len()), (BodySize::None, 0));
    }

    #[test]
    fn a_stream_s_large_pieces_are_cut_and_its_small_ones_kept() {
        let chunks = vec![
            Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 3 * SLICE + 5])),
            Ok(Bytes::from_static(b"tail")),
        ];
        let body = actix_web::body::BodyStream::new(futures_util::stream::iter(chunks));
        let (size, out) = pieces(BoxBody::new(body));
        assert_eq!(size, BodySize::Stream);
        let lens: Vec<usize> = out.iter().map(|p| p.len()).collect();
        assert_eq!(lens, vec![SLICE, SLICE, SLICE, 5, 4]);
    }
}
