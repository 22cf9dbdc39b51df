use super::{
    dto::{FileBytes, FileDto, UploadForm},
    range::Ranged,
    service,
};
use crate::{auth::Caller, error::ApiError, error::ApiResult, state::AppState};
use actix_multipart::{Multipart, MultipartError};
use actix_web::{
    HttpRequest, HttpResponse, body::SizedStream, delete, get, http::StatusCode, http::header,
    post, web,
};
use futures_util::StreamExt;
use uuid::Uuid;

/// A broken form as the API's error: not multipart (415), too slow (408), cut off or
/// malformed (400).
impl From<MultipartError> for ApiError {
    fn from(e: MultipartError) -> Self {
        match e {
            MultipartError::ContentTypeMissing
            | MultipartError::ContentTypeParse
            | MultipartError::ContentTypeIncompatible
            | MultipartError::BoundaryMissing => ApiError::UnsupportedMediaType(
                "send the file as multipart/form-data, in one part named `file`".into(),
            ),
            MultipartError::Payload(actix_web::error::PayloadError::Io(io))
                if io.kind() == std::io::ErrorKind::TimedOut =>
            {
                ApiError::RequestTimeout
            }
            _ => ApiError::bad_request(
                "the multipart body is cut off or malformed; nothing was stored",
            ),
        }
    }
}

/// Upload one file (the bloc's people), as `multipart/form-data` with one part named `file`.
/// It is streamed to storage, its type read from its content (the name and the part's
/// `Content-Type` are not trusted), a photo's location and camera metadata removed, and
/// identical content in the bloc stored once. It is the bloc's to read and stays unattached
/// until a task report or a campaign figure lists it in `attachments`; an upload left
/// unattached is removed after a day. `Idempotency-Key` is not replayed here: a repeated upload
/// stores nothing twice, and the unattached copy expires.
#[utoipa::path(tag = "files",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Stored", body = FileDto),
        (status = 400, description = "A multipart body cut off or malformed: nothing stored"),
        (status = 403, description = "Not one of the bloc's people"),
        (status = 409, description = "The bloc's quota would be exceeded (the detail gives the quota and the bytes in use)"),
        (status = 413, description = "Larger than the file limit (stopped as soon as it was passed)"),
        (status = 415, description = "Not multipart, or content of a type that is not allowed"),
        (status = 422, description = "No part named `file`, or a second file"),
        (status = 503, description = "The file store is unavailable, or this instance already receives `KHOI_FILES_MAX_CONCURRENT` uploads (`Retry-After`)")))]
#[post("/files")]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<(web::Json<FileDto>, StatusCode)> {
    let uploader = service::uploader(&state.db, &caller).await?;
    // Refused before a byte is read when the instance already receives its share of uploads.
    let _permit = state
        .uploads
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::Overloaded {
            retry_after: 5,
            detail: "too many uploads are being received at once; retry in a few seconds".into(),
        })?;
    let mut form = Multipart::new(req.headers(), payload);
    let mut pending = None;
    while let Some(part) = form.next().await {
        let part = part?;
        match part.name() {
            Some("file") if pending.is_none() => {}
            Some("file") => return Err(ApiError::invalid("file", "takes one file per upload")),
            other => {
                return Err(ApiError::invalid(
                    other.unwrap_or("form"),
                    "is not a part of this form; send one part named `file`",
                ));
            }
        }
        // `filename*` (RFC 8187) when a client sends it, else `filename` (browsers send UTF-8).
        let cd = part.content_disposition();
        let name = cd
            .and_then(|cd| cd.get_filename_ext())
            .map(|ev| String::from_utf8_lossy(&ev.value).into_owned())
            .or_else(|| cd.and_then(|cd| cd.get_filename()).map(str::to_string))
            .unwrap_or_default();
        pending = Some(
            uploader
                .receive(&state.files, &state.config.files, &name, part)
                .await?,
        );
    }
    // The whole form has arrived (a body cut off after the file fails above): now it is kept.
    let Some(pending) = pending else {
        return Err(ApiError::invalid(
            "file",
            "is required: one part named `file`",
        ));
    };
    let dto = uploader
        .commit(
            &state.db,
            &state.files,
            &state.config.files,
            &caller,
            pending,
        )
        .await?;
    if dto.preview_href.is_some() {
        state.previews.notify_one();
    }
    Ok((web::Json(dto), StatusCode::CREATED))
}

/// A file's description.
#[utoipa::path(tag = "files", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The file", body = FileDto),
        (status = 404, description = "No such file in the caller's reach (or removed)")))]
#[get("/files/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<FileDto>> {
    Ok(web::Json(
        service::get(&state.db, &caller, id.into_inner()).await?,
    ))
}

/// The file's bytes, for the bloc's people, the province's portal, and a bloc that sent down
/// the task whose report it is attached to. `Range` (one range) gets
/// `206`; `ETag` is the content's SHA-256, so `If-None-Match` gets `304` and `If-Range`
/// resumes only the same content. Images, PDF and video are shown inline, the rest saved; the
/// name is in `Content-Disposition` both as ASCII and as UTF-8 (`filename*`).
#[utoipa::path(tag = "files", params(("id" = Uuid, Path),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1048575`"),
        ("If-Range" = Option<String>, Header, description = "The ETag the range continues"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag held")),
    responses((status = 200, description = "The whole file, in its type", content((inline(FileBytes) = "image/jpeg"), (inline(FileBytes) = "image/png"), (inline(FileBytes) = "image/heic"), (inline(FileBytes) = "image/webp"), (inline(FileBytes) = "application/pdf"), (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (inline(FileBytes) = "application/vnd.oasis.opendocument.text"), (inline(FileBytes) = "application/vnd.oasis.opendocument.spreadsheet"), (inline(FileBytes) = "video/mp4")),
            headers(("ETag" = String, description = "The SHA-256 of the content"),
                ("Content-Disposition" = String, description = "inline or attachment, with the file's name"),
                ("Accept-Ranges" = String, description = "bytes"))),
        (status = 206, description = "The range asked", content((inline(FileBytes) = "image/jpeg"), (inline(FileBytes) = "image/png"), (inline(FileBytes) = "image/heic"), (inline(FileBytes) = "image/webp"), (inline(FileBytes) = "application/pdf"), (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (inline(FileBytes) = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (inline(FileBytes) = "application/vnd.oasis.opendocument.text"), (inline(FileBytes) = "application/vnd.oasis.opendocument.spreadsheet"), (inline(FileBytes) = "video/mp4")),
            headers(("Content-Range" = String, description = "bytes start-end/size"))),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 404, description = "No such file in the caller's reach (or removed)"),
        (status = 416, description = "The range is past the end of the file"),
        (status = 503, description = "The file store is unavailable")))]
#[get("/files/{id}/content")]
pub async fn content(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let h = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let inm = h(header::IF_NONE_MATCH);
    let not_modified = |tag: &str| {
        inm.as_deref()
            .is_some_and(|v| crate::concurrency::weak_match(v, tag))
    };
    let c = service::content(
        &state.db,
        &state.files,
        &caller,
        id.into_inner(),
        h(header::RANGE).as_deref(),
        h(header::IF_RANGE).as_deref(),
        not_modified,
    )
    .await?;
    let size = c.file.size.max(0) as u64;
    let tag = format!("\"{}\"", c.file.sha256);
    let Some(body) = c.body else {
        if c.range == Ranged::Unsatisfiable {
            return Err(ApiError::RangeNotSatisfiable { size });
        }
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .finish());
    };
    let (status, len) = match c.range {
        Ranged::Part { len, .. } => (StatusCode::PARTIAL_CONTENT, len),
        _ => (StatusCode::OK, size),
    };
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CONTENT_TYPE, c.file.media_type.as_str()))
        .insert_header((header::CONTENT_DISPOSITION, c.disposition))
        .insert_header((header::ETAG, tag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        // Bytes go as stored: compressing would break ranges and gains nothing on photos.
        .insert_header((header::CONTENT_ENCODING, "identity"));
    if let Ranged::Part { start, len } = c.range {
        res.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{size}", start + len - 1),
        ));
    }
    Ok(res.body(SizedStream::new(len, body)))
}

/// A small JPEG of an image (at most 320 pixels a side, turned upright), for a phone's list:
/// made once in the background just after the upload. `202` with `Retry-After` while it is
/// being made; `404` for a type that gets none (documents, video, HEIC) or an image that could
/// not be read. Same read rules as the content; `ETag` gets `304`.
#[utoipa::path(tag = "files", params(("id" = Uuid, Path),
        ("If-None-Match" = Option<String>, Header, description = "The ETag held")),
    responses((status = 200, description = "The preview", content((inline(FileBytes) = "image/jpeg")),
            headers(("ETag" = String, description = "The preview's version"))),
        (status = 202, description = "Being made: ask again after `Retry-After` seconds",
            headers(("Retry-After" = String, description = "Seconds"))),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 404, description = "No such file in the caller's reach (or removed), or no preview for it"),
        (status = 503, description = "The file store is unavailable")))]
#[get("/files/{id}/preview")]
pub async fn preview(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let inm = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let not_modified = |tag: &str| inm.is_some_and(|v| crate::concurrency::weak_match(v, tag));
    let p = service::preview(
        &state.db,
        &state.files,
        &caller,
        id.into_inner(),
        not_modified,
    )
    .await?;
    let service::Preview::Ready { etag, size, body } = p else {
        return Ok(HttpResponse::Accepted()
            .insert_header((header::RETRY_AFTER, "1"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish());
    };
    let mut res = match body {
        Some(_) => HttpResponse::Ok(),
        None => HttpResponse::NotModified(),
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    let Some(body) = body else {
        return Ok(res.finish());
    };
    Ok(res
        .insert_header((header::CONTENT_TYPE, super::preview::MEDIA_TYPE))
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .body(SizedStream::new(size, body)))
}

/// Remove an unattached upload (its uploader or the bloc head). Attached files are evidence
/// and stay; the record of a removed one stays too, and its content leaves the store when no
/// other file of the bloc carries it.
#[utoipa::path(tag = "files", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Removed"),
        (status = 403, description = "Someone else's upload"),
        (status = 404, description = "No such file in the caller's scope (or removed)"),
        (status = 409, description = "The file is attached")))]
#[delete("/files/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    service::remove(&state.db, &state.files, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
