//! Uploads, downloads and attaching: the rules and queries of attachments.
use super::{
    dto::{AttachedTo, FileDto, FileRef},
    naming, preview,
    range::{self, Ranged},
    sniff::{self, Kind, Sniffed},
};
use crate::{
    audit,
    auth::Caller,
    config::FilesConfig,
    db::begin_write,
    entities::{bloc, directive_dispatch, file, file_blob, task, task_report},
    error::{ApiError, ApiResult},
    file_store::{ByteStream, Store},
    policy::{self, Action, Actor, Resource, Target},
    tenancy::{self, Scope},
};
use actix_web::web::Bytes;
use chrono::Utc;
use futures_util::{Stream, StreamExt};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use sha2::{Digest, Sha256};
use std::{collections::HashMap, path::PathBuf};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

pub const RESOURCE: &str = "file";
/// The most files one resource takes.
pub const MAX_ATTACHMENTS: usize = 20;

pub fn content_href(id: Uuid) -> String {
    format!("{}/files/{id}/content", crate::state::API_PREFIX)
}

/// The preview's address for an image type that gets one (whether made yet or not).
fn preview_href(id: Uuid, media_type: &str) -> Option<String> {
    Kind::from_media_type(media_type)
        .is_some_and(preview::has_preview)
        .then(|| format!("{}/files/{id}/preview", crate::state::API_PREFIX))
}

pub fn to_dto(m: file::Model) -> FileDto {
    FileDto {
        preview_href: preview_href(m.id, &m.media_type),
        id: m.id,
        bloc_id: m.bloc_id,
        name: m.name,
        media_type: m.media_type,
        size: m.size,
        sha256: m.sha256,
        created_by: m.uploaded_by,
        attached_to: m
            .attached_type
            .zip(m.attached_id)
            .map(|(kind, id)| AttachedTo { kind, id }),
        content_href: content_href(m.id),
        removed_at: m.removed_at,
        version: m.version,
        created_at: m.created_at,
    }
}

fn to_ref(m: &file::Model) -> FileRef {
    FileRef {
        id: m.id,
        name: m.name.clone(),
        media_type: m.media_type.clone(),
        size: m.size,
        content_href: content_href(m.id),
        preview_href: preview_href(m.id, &m.media_type),
    }
}

/// A staging file that is removed when dropped, unless it was handed on.
struct Staged(Option<PathBuf>);

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// What arrived, checked: its type, size and digest, in the staging folder.
struct Received {
    staged: Staged,
    kind: Kind,
    size: u64,
    sha256: String,
}

fn too_large(cfg: &FilesConfig) -> ApiError {
    ApiError::PayloadTooLarge {
        limit: cfg.max_bytes as usize,
    }
}

fn quota_exceeded(quota: u64, used: u64) -> ApiError {
    ApiError::conflict(format!(
        "the bloc's storage quota of {quota} bytes would be exceeded ({used} bytes are in use); remove unattached uploads or ask the operator for more"
    ))
}

/// 415 for content of no allowed type, or of a known type the operator did not allow.
fn not_allowed(cfg: &FilesConfig, kind: Option<Kind>) -> ApiError {
    let allowed = cfg.types.join(", ");
    ApiError::UnsupportedMediaType(match kind {
        None => format!("the file's content is not of an allowed type; allowed: {allowed}"),
        Some(k) => format!(
            "files of type {} are not accepted here; allowed: {allowed}",
            k.name()
        ),
    })
}

/// Writes the part to staging as it arrives, hashing it, stopping at once when it passes the
/// file limit or shows a type that is not allowed. The quota is checked once the content is
/// known: a content the bloc already stores costs nothing.
async fn receive<S, E>(store: &Store, cfg: &FilesConfig, mut body: S) -> ApiResult<Received>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<ApiError>,
{
    let path = store.staging_path();
    let staged = Staged(Some(path.clone()));
    let mut out = tokio::io::BufWriter::with_capacity(
        256 * 1024,
        tokio::fs::File::create(&path)
            .await
            .map_err(ApiError::internal)?,
    );
    let mut hash = Sha256::new();
    let mut head: Vec<u8> = Vec::with_capacity(sniff::HEAD);
    let mut sniffed: Option<Sniffed> = None;
    let mut size: u64 = 0;
    let allowed = |k: Kind| cfg.types.iter().any(|t| t == k.name());
    let judge = |head: &[u8]| -> ApiResult<Sniffed> {
        match sniff::sniff(head) {
            Sniffed::Unknown => Err(not_allowed(cfg, None)),
            Sniffed::Is(k) if !allowed(k) => Err(not_allowed(cfg, Some(k))),
            s => Ok(s),
        }
    };
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(Into::into)?;
        size += chunk.len() as u64;
        if size > cfg.max_bytes {
            return Err(too_large(cfg));
        }
        if sniffed.is_none() {
            let take = (sniff::HEAD - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() == sniff::HEAD {
                sniffed = Some(judge(&head)?);
            }
        }
        hash.update(&chunk);
        out.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    out.flush().await.map_err(ApiError::internal)?;
    drop(out);
    let sniffed = match sniffed {
        Some(s) => s,
        None => judge(&head)?,
    };
    let kind = match sniffed {
        Sniffed::Is(k) => k,
        _ => {
            let p = path.clone();
            let office = tokio::task::spawn_blocking(move || sniff::office(&p))
                .await
                .map_err(ApiError::internal)?;
            match office {
                Some(k) if allowed(k) => k,
                other => return Err(not_allowed(cfg, other)),
            }
        }
    };
    Ok(Received {
        staged,
        kind,
        size,
        sha256: crate::text::hex(&hash.finalize()),
    })
}

/// The photo copied without its metadata, its size and digest those of the copy.
async fn without_metadata(store: &Store, got: Received) -> ApiResult<Received> {
    let src = got.staged.0.clone().expect("staged");
    let out = Staged(Some(store.staging_path()));
    let dst = out.0.clone().expect("staged");
    let kind = got.kind;
    let done = tokio::task::spawn_blocking(move || -> std::io::Result<Option<(u64, String)>> {
        if !super::photo::strip(kind, &src, &dst)? {
            return Ok(None);
        }
        let mut f = std::fs::File::open(&dst)?;
        let mut hash = Sha256::new();
        let size = std::io::copy(&mut f, &mut hash)?;
        Ok(Some((size, crate::text::hex(&hash.finalize()))))
    })
    .await
    .map_err(ApiError::internal)?;
    match done {
        Ok(Some((size, sha256))) => Ok(Received {
            staged: out,
            kind,
            size,
            sha256,
        }),
        Ok(None) => Ok(got),
        Err(_) => Err(ApiError::UnsupportedMediaType(format!(
            "the {} photo's structure cannot be read, so its location cannot be removed",
            kind.name()
        ))),
    }
}

/// The bytes a bloc's stored contents take.
async fn used_by(conn: &impl ConnectionTrait, bloc: Uuid) -> Result<u64, sea_orm::DbErr> {
    let sum: Option<Option<i64>> = file_blob::Entity::find()
        .select_only()
        .column_as(
            Expr::col(file_blob::Column::Size).sum().cast_as("bigint"),
            "s",
        )
        .filter(file_blob::Column::BlocId.eq(bloc))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(u64::try_from(sum.flatten().unwrap_or(0)).unwrap_or(0))
}

/// Who uploads into which bloc: checked before a byte is read.
pub struct Uploader {
    bloc: Uuid,
    /// The bloc keeps photos' location and camera metadata.
    keep_metadata: bool,
}

pub async fn uploader(db: &DatabaseConnection, caller: &Caller) -> ApiResult<Uploader> {
    let actor = Actor::of(db, caller).await?;
    policy::authorize(&actor, Resource::File, Action::Create, &Target::default())?;
    let Some(bloc) = Scope::of(caller).own_bloc() else {
        return Err(ApiError::Forbidden(
            "only the bloc's own people upload its files".into(),
        ));
    };
    let keep_metadata = bloc::Entity::find_by_id(bloc)
        .one(db)
        .await?
        .is_some_and(|b| b.keep_photo_metadata);
    Ok(Uploader {
        bloc,
        keep_metadata,
    })
}

/// A file received whole and checked, waiting in staging for the rest of the request.
pub struct Pending {
    name: String,
    got: Received,
}

impl Uploader {
    /// Receives the file part as it arrives (see `receive`).
    pub async fn receive<S, E>(
        &self,
        store: &Store,
        cfg: &FilesConfig,
        raw_name: &str,
        body: S,
    ) -> ApiResult<Pending>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Into<ApiError>,
    {
        let mut got = receive(store, cfg, body).await?;
        if got.kind.is_photo() && !self.keep_metadata {
            got = without_metadata(store, got).await?;
        }
        let name = naming::clean(raw_name, &format!("tệp.{}", got.kind.name()));
        Ok(Pending { name, got })
    }

    /// Stores the content (once per bloc) and records the file unattached, all or nothing.
    pub async fn commit(
        self,
        db: &DatabaseConnection,
        store: &Store,
        cfg: &FilesConfig,
        caller: &Caller,
        p: Pending,
    ) -> ApiResult<FileDto> {
        let (bloc, got) = (self.bloc, p.got);
        let existing = file_blob::Entity::find()
            .filter(file_blob::Column::BlocId.eq(bloc))
            .filter(file_blob::Column::Sha256.eq(got.sha256.as_str()))
            .one(db)
            .await?;
        // New content goes to the store before any row names it, outside the transaction (an
        // S3 upload must not hold the database's write lock).
        let mut put: Option<String> = None;
        let mut staged = got.staged;
        if existing.as_ref().is_none_or(|b| b.refs <= 0) {
            let key = format!("blocs/{bloc}/{}", Uuid::now_v7());
            let path = staged.0.take().expect("staged");
            store
                .put(&key, &path, got.size)
                .await
                .map_err(|e| ApiError::StoreUnavailable(e.to_string()))?;
            put = Some(key);
        }
        let stored = Stored {
            bloc,
            name: &p.name,
            kind: got.kind,
            size: got.size,
            sha256: &got.sha256,
            put: put.as_deref(),
        };
        let result = record_upload(db, caller, cfg, stored).await;
        match &result {
            Ok((_, kept)) if put.as_deref() == Some(kept.as_str()) => {}
            // Someone else's identical content won, or the write failed: ours is not needed.
            _ => {
                if let Some(key) = &put
                    && let Err(e) = store.delete(key).await
                {
                    tracing::warn!(error = %e, key, "an unused upload stays in the store");
                }
            }
        }
        drop(staged);
        result.map(|(dto, _)| dto)
    }
}

struct Stored<'a> {
    bloc: Uuid,
    name: &'a str,
    kind: Kind,
    size: u64,
    sha256: &'a str,
    /// The key this upload's content was put under, if it was new.
    put: Option<&'a str>,
}

async fn record_upload(
    db: &DatabaseConnection,
    caller: &Caller,
    cfg: &FilesConfig,
    s: Stored<'_>,
) -> ApiResult<(FileDto, String)> {
    let Stored {
        bloc,
        name,
        kind,
        size,
        sha256,
        put,
    } = s;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    // An existing content gains a file; one being swept (no files left) is not reused.
    let reused = file_blob::Entity::update_many()
        .col_expr(
            file_blob::Column::Refs,
            Expr::col(file_blob::Column::Refs).add(1),
        )
        .filter(file_blob::Column::BlocId.eq(bloc))
        .filter(file_blob::Column::Sha256.eq(sha256))
        .filter(file_blob::Column::Refs.gt(0))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !reused {
        let Some(key) = put else {
            // The content was swept between the check and now: the client sends it again.
            return Err(ApiError::StoreUnavailable(
                "the stored content was being removed".into(),
            ));
        };
        // Uploads into one bloc pass the quota check one at a time (on SQLite every write
        // does), so two racing for its last bytes cannot both be kept.
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            let key = i64::from_be_bytes(bloc.as_bytes()[..8].try_into().unwrap_or_default());
            txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [key.into()],
            ))
            .await?;
        }
        let used = used_by(&txn, bloc).await?;
        if used + size > cfg.quota_bytes {
            return Err(quota_exceeded(cfg.quota_bytes, used));
        }
        file_blob::Entity::insert(file_blob::ActiveModel {
            id: Set(Uuid::now_v7()),
            bloc_id: Set(bloc),
            sha256: Set(sha256.to_string()),
            size: Set(size as i64),
            media_type: Set(kind.media_type().into()),
            storage_key: Set(key.to_string()),
            refs: Set(1),
            created_at: Set(now),
            preview_state: Set(preview::has_preview(kind).then(|| PENDING.to_string())),
            preview_size: Set(None),
            preview_claimed_at: Set(None),
        })
        .on_conflict(
            OnConflict::columns([file_blob::Column::BlocId, file_blob::Column::Sha256])
                .value(
                    file_blob::Column::Refs,
                    Expr::col((file_blob::Entity, file_blob::Column::Refs)).add(1),
                )
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    let blob = file_blob::Entity::find()
        .filter(file_blob::Column::BlocId.eq(bloc))
        .filter(file_blob::Column::Sha256.eq(sha256))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::internal("the stored content's row is missing"))?;
    let m = file::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc),
        blob_id: Set(blob.id),
        name: Set(name.to_string()),
        media_type: Set(blob.media_type.clone()),
        size: Set(blob.size),
        sha256: Set(blob.sha256.clone()),
        uploaded_by: Set(caller.account_id),
        attached_type: Set(None),
        attached_id: Set(None),
        attached_at: Set(None),
        removed_at: Set(None),
        version: Set(1),
        created_at: Set(now),
    };
    let m = file::Entity::insert(m).exec_with_returning(&txn).await?;
    let dto = to_dto(m);
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "upload",
            resource_type: RESOURCE,
            resource_id: dto.id,
            bloc_id: Some(bloc),
            before: None,
            after: Some(&dto),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((dto, blob.storage_key))
}

/// A file the caller may read (removed ones included: their record stays): one of their scope
/// (the bloc's people, the province's portal, the admin), attached to a report of a task
/// their bloc sent down, or to a dispatch's report back between their bloc and another.
async fn readable(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<file::Model> {
    policy::may_read(caller, Resource::File)?;
    let scope = Scope::of(caller);
    if let Some(f) = tenancy::select_one::<file::Entity>(&scope, id)
        .one(conn)
        .await?
    {
        return Ok(f);
    }
    // Work sent down: the sender reads the reports that came back, and their evidence.
    let f = file::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("file"))?;
    let across = match (f.attached_type.as_deref(), f.attached_id) {
        (Some("task_report"), Some(report)) => {
            match task_report::Entity::find_by_id(report).one(conn).await? {
                Some(r) => tenancy::find_sent_down::<task::Entity>(conn, &scope, r.task_id, "file")
                    .await
                    .is_ok(),
                None => false,
            }
        }
        // A child bloc's report back on its parent's dispatch: read by both ends.
        (Some("directive_dispatch"), Some(d)) => {
            tenancy::find_linked::<directive_dispatch::Entity>(conn, &scope, d, "file")
                .await
                .is_ok()
        }
        _ => false,
    };
    if across {
        return Ok(f);
    }
    Err(ApiError::not_found("file"))
}

/// A file the caller may read whose content is still stored, with that content's row.
async fn stored(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<(file::Model, file_blob::Model)> {
    let f = readable(db, caller, id).await?;
    if f.removed_at.is_some() {
        return Err(ApiError::NotFound(
            "the file was removed; its content is gone".into(),
        ));
    }
    let blob = file_blob::Entity::find_by_id(f.blob_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("file"))?;
    Ok((f, blob))
}

pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<FileDto> {
    Ok(to_dto(readable(db, caller, id).await?))
}

/// What a download answers: the bytes (all or the range asked) and how to describe them.
pub struct Content {
    pub file: file::Model,
    pub range: Ranged,
    /// None for a 304 or a 416.
    pub body: Option<ByteStream>,
    pub disposition: String,
}

pub async fn content(
    db: &DatabaseConnection,
    store: &Store,
    caller: &Caller,
    id: Uuid,
    range_header: Option<&str>,
    if_range: Option<&str>,
    not_modified: impl Fn(&str) -> bool,
) -> ApiResult<Content> {
    let (f, blob) = stored(db, caller, id).await?;
    let tag = format!("\"{}\"", f.sha256);
    let inline = Kind::from_media_type(&f.media_type).is_some_and(Kind::shown_inline);
    let disposition = naming::content_disposition(inline, &f.name);
    let size = u64::try_from(f.size).unwrap_or(0);
    // A range is honoured only for the same content (If-Range naming the current tag).
    let range = match if_range {
        Some(t) if t.trim() != tag => Ranged::Whole,
        _ => range::parse(range_header, size),
    };
    let body = if not_modified(&tag) || range == Ranged::Unsatisfiable {
        None
    } else {
        let (start, len) = match range {
            Ranged::Part { start, len } => (start, len),
            _ => (0, size),
        };
        Some(
            store
                .get(&blob.storage_key, start, len)
                .await
                .map_err(|e| ApiError::StoreUnavailable(e.to_string()))?,
        )
    };
    Ok(Content {
        file: f,
        range,
        body,
        disposition,
    })
}

/// Removes an unattached upload (its uploader, or the bloc head): the record stays, marked
/// removed, and the content leaves the store when no other file carries it.
pub async fn remove(
    db: &DatabaseConnection,
    store: &Store,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<()> {
    let txn = begin_write(db).await?;
    let actor = Actor::of(&txn, caller).await?;
    // A role that may not remove even its own uploads is refused whatever the file.
    let own = Target {
        creator: actor.account_id,
        ..Default::default()
    };
    policy::authorize(&actor, Resource::File, Action::Update, &own)?;
    let f = tenancy::find::<file::Entity>(&txn, &Scope::of(caller), id, "file").await?;
    if f.removed_at.is_some() {
        return Err(ApiError::not_found("file"));
    }
    if f.attached_id.is_some() {
        return Err(ApiError::conflict(
            "an attached file is evidence and stays with what it is attached to",
        ));
    }
    let mine = Target {
        creator: Some(f.uploaded_by),
        ..Default::default()
    };
    policy::authorize(&actor, Resource::File, Action::Update, &mine)?;
    let before = to_dto(f.clone());
    let Some(removed) = mark_removed(&txn, &f).await? else {
        return Err(ApiError::not_found("file"));
    };
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "remove",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(f.bloc_id),
            before: Some(&before),
            after: Some(&to_dto(removed)),
        },
    )
    .await?;
    txn.commit().await?;
    // The content goes now if no other file carries it (the sweep would, later).
    let freed = match file_blob::Entity::find_by_id(f.blob_id).one(db).await {
        Ok(Some(b)) => free(db, store, &b).await.map(|_| ()),
        other => other.map(|_| ()),
    };
    if let Err(e) = freed {
        tracing::warn!(error = %e, "content of a removed file left for the sweep");
    }
    Ok(())
}

/// Deletes a content no file carries: its row first (so a new upload of the same content
/// makes its own), then its object, by the one instance whose statement removed the row.
async fn free(
    db: &DatabaseConnection,
    store: &Store,
    b: &file_blob::Model,
) -> Result<bool, sea_orm::DbErr> {
    let gone = file_blob::Entity::delete_many()
        .filter(file_blob::Column::Id.eq(b.id))
        .filter(file_blob::Column::Refs.lte(0))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if !gone {
        return Ok(false);
    }
    // A preview being made now is deleted by its maker, which finds the row gone.
    if b.preview_state.is_some()
        && let Err(e) = store.delete(&preview_key(&b.storage_key)).await
    {
        tracing::warn!(error = %e, key = b.storage_key, "preview not removed from the store");
    }
    if let Err(e) = store.delete(&b.storage_key).await {
        tracing::warn!(error = %e, key = b.storage_key, "content not removed from the store");
        return Ok(false);
    }
    Ok(true)
}

/// Marks `f` removed and releases its content: the file as it now is, or None when it was
/// removed or attached meanwhile.
async fn mark_removed(
    conn: &impl ConnectionTrait,
    f: &file::Model,
) -> Result<Option<file::Model>, sea_orm::DbErr> {
    let now = Utc::now();
    let done = file::Entity::update_many()
        .col_expr(file::Column::RemovedAt, Expr::value(now))
        .col_expr(
            file::Column::Version,
            Expr::col(file::Column::Version).add(1),
        )
        .filter(file::Column::Id.eq(f.id))
        .filter(file::Column::RemovedAt.is_null())
        .filter(file::Column::AttachedId.is_null())
        .exec(conn)
        .await?
        .rows_affected
        == 1;
    if done {
        file_blob::Entity::update_many()
            .col_expr(
                file_blob::Column::Refs,
                Expr::col(file_blob::Column::Refs).sub(1),
            )
            .filter(file_blob::Column::Id.eq(f.blob_id))
            .exec(conn)
            .await?;
    }
    Ok(done.then(|| file::Model {
        removed_at: Some(now),
        version: f.version + 1,
        ..f.clone()
    }))
}

/// Attaches the bloc's uploads `ids` (the body's `field`) to a resource in the caller's
/// transaction, each announced; a file of another bloc is not found (404), one removed or
/// already attached elsewhere is refused (422).
pub async fn attach(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    bloc: Uuid,
    field: &str,
    ids: &[Uuid],
    resource: (&str, Uuid),
) -> ApiResult<Vec<FileRef>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    if ids.len() > MAX_ATTACHMENTS {
        return Err(ApiError::invalid(
            field,
            format!("must list at most {MAX_ATTACHMENTS} files"),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(ApiError::invalid(
                format!("{field}[{i}]"),
                "names a file listed before",
            ));
        }
    }
    let found: HashMap<Uuid, file::Model> = file::Entity::find()
        .filter(file::Column::Id.is_in(ids.to_vec()))
        .filter(file::Column::BlocId.eq(bloc))
        .all(conn)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let now = Utc::now();
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let Some(f) = found.get(id) else {
            return Err(ApiError::NotFound(format!("file {id} not found")));
        };
        let at = format!("{field}[{i}]");
        if f.removed_at.is_some() {
            return Err(ApiError::invalid(
                at,
                "names a file that was removed; upload it again",
            ));
        }
        let done = file::Entity::update_many()
            .col_expr(file::Column::AttachedType, Expr::value(resource.0))
            .col_expr(file::Column::AttachedId, Expr::value(resource.1))
            .col_expr(file::Column::AttachedAt, Expr::value(now))
            .col_expr(
                file::Column::Version,
                Expr::col(file::Column::Version).add(1),
            )
            .filter(file::Column::Id.eq(*id))
            .filter(file::Column::RemovedAt.is_null())
            .filter(file::Column::AttachedId.is_null())
            .exec(conn)
            .await?
            .rows_affected
            == 1;
        if !done {
            return Err(ApiError::invalid(
                at,
                "names a file already attached to something else; upload it again",
            ));
        }
        let before = to_dto(f.clone());
        let mut after_model = f.clone();
        after_model.attached_type = Some(resource.0.to_string());
        after_model.attached_id = Some(resource.1);
        after_model.attached_at = Some(now);
        after_model.version += 1;
        out.push(to_ref(&after_model));
        audit::log_and_announce(
            conn,
            caller,
            audit::Written {
                action: "attach",
                resource_type: RESOURCE,
                resource_id: *id,
                bloc_id: Some(bloc),
                before: Some(&before),
                after: Some(&to_dto(after_model)),
            },
        )
        .await?;
    }
    Ok(out)
}

/// The files attached to each of `owners`, in upload order.
pub async fn attached_to(
    conn: &impl ConnectionTrait,
    owners: &[Uuid],
) -> Result<HashMap<Uuid, Vec<FileRef>>, sea_orm::DbErr> {
    let mut out: HashMap<Uuid, Vec<FileRef>> = HashMap::new();
    if owners.is_empty() {
        return Ok(out);
    }
    for f in file::Entity::find()
        .filter(file::Column::AttachedId.is_in(owners.to_vec()))
        .filter(file::Column::RemovedAt.is_null())
        .order_by_asc(file::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(owner) = f.attached_id {
            out.entry(owner).or_default().push(to_ref(&f));
        }
    }
    Ok(out)
}

/// Fills each item's attachments (`set`), found by its id (`id`), in one query.
pub async fn fill_attachments<T>(
    conn: &impl ConnectionTrait,
    items: &mut [T],
    id: impl Fn(&T) -> Uuid,
    set: impl Fn(&mut T, Vec<FileRef>),
) -> Result<(), sea_orm::DbErr> {
    let ids: Vec<Uuid> = items.iter().map(&id).collect();
    let mut files = attached_to(conn, &ids).await?;
    for item in items.iter_mut() {
        set(item, files.remove(&id(item)).unwrap_or_default());
    }
    Ok(())
}

/// One pass of the sweep: uploads left unattached longer than the configured time are removed
/// (by the system, in the audit log), then contents no file carries leave the store, then
/// staging files an interrupted upload left. Safe on several instances: each row is changed
/// by one, and a content is deleted only by the instance whose statement removed its row.
pub async fn sweep(
    db: &DatabaseConnection,
    store: &Store,
    cfg: &FilesConfig,
) -> Result<(u32, u32), sea_orm::DbErr> {
    let cutoff = Utc::now()
        - chrono::Duration::from_std(cfg.unattached_ttl).unwrap_or(chrono::Duration::hours(24));
    let stale = file::Entity::find()
        .filter(file::Column::AttachedId.is_null())
        .filter(file::Column::RemovedAt.is_null())
        .filter(file::Column::CreatedAt.lt(cutoff))
        // A dissolved bloc's record is read-only: its uploads stay as they were.
        .filter(
            file::Column::BlocId.not_in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(bloc::Column::Id)
                    .from(bloc::Entity)
                    .and_where(bloc::Column::DissolvedOn.is_not_null())
                    .to_owned(),
            ),
        )
        .order_by_asc(file::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?;
    let mut removed = 0;
    for f in stale {
        // One file's failure (its bloc dissolved meanwhile, a lost connection) is logged and
        // the pass goes on to the next.
        match expire(db, &f).await {
            Ok(true) => removed += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, file = %f.id, "an expired upload stays for now"),
        }
    }
    let empty = file_blob::Entity::find()
        .filter(file_blob::Column::Refs.lte(0))
        .limit(200)
        .all(db)
        .await?;
    let mut freed = 0;
    for b in empty {
        if free(db, store, &b).await? {
            freed += 1;
        }
    }
    sweep_staging(store.staging_dir()).await;
    Ok((removed, freed))
}

/// Removes one expired upload, recorded as the system's; false if it was attached or removed
/// meanwhile.
async fn expire(db: &DatabaseConnection, f: &file::Model) -> ApiResult<bool> {
    let txn = begin_write(db).await?;
    let Some(gone) = mark_removed(&txn, f).await? else {
        return Ok(false);
    };
    audit::log_and_announce_by_system(
        &txn,
        audit::Entry {
            action: "expire",
            resource_type: RESOURCE,
            resource_id: f.id,
            bloc_id: Some(f.bloc_id),
            before: serde_json::to_value(to_dto(f.clone())).ok(),
            after: serde_json::to_value(to_dto(gone)).ok(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Staging files older than an hour: uploads cut off without their request ending cleanly.
async fn sweep_staging(dir: &std::path::Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    while let Ok(Some(e)) = entries.next_entry().await {
        let old = e
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > hour);
        if old {
            let _ = tokio::fs::remove_file(e.path()).await;
        }
    }
}

// ---- previews ----

const PENDING: &str = "pending";
const MAKING: &str = "making";
const READY: &str = "ready";
const FAILED: &str = "failed";
/// An instance that claimed a preview and has not finished it in this time stopped (or its
/// store failed): another takes it over.
const PREVIEW_CLAIM: chrono::Duration = chrono::Duration::minutes(10);

/// The key a content's preview is stored under, beside the content.
fn preview_key(storage_key: &str) -> String {
    format!("{storage_key}.preview")
}

fn waiting_for_preview() -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(file_blob::Column::PreviewState.eq(PENDING))
        .add(
            sea_orm::Condition::all()
                .add(file_blob::Column::PreviewState.eq(MAKING))
                .add(file_blob::Column::PreviewClaimedAt.lt(Utc::now() - PREVIEW_CLAIM)),
        )
}

/// Claims one content waiting for its preview; the conditional update makes one instance the
/// maker however many look at once.
async fn claim_preview(
    db: &DatabaseConnection,
) -> Result<Option<file_blob::Model>, sea_orm::DbErr> {
    let waiting = file_blob::Entity::find()
        .filter(waiting_for_preview())
        .filter(file_blob::Column::Refs.gt(0))
        .order_by_asc(file_blob::Column::CreatedAt)
        .limit(8)
        .all(db)
        .await?;
    for b in waiting {
        let won = file_blob::Entity::update_many()
            .col_expr(file_blob::Column::PreviewState, Expr::value(MAKING))
            .col_expr(file_blob::Column::PreviewClaimedAt, Expr::value(Utc::now()))
            .filter(file_blob::Column::Id.eq(b.id))
            .filter(waiting_for_preview())
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if won {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// Makes the next preview waiting, if any: true when there was one to try.
pub async fn make_next_preview(
    db: &DatabaseConnection,
    store: &Store,
) -> Result<bool, sea_orm::DbErr> {
    let Some(b) = claim_preview(db).await? else {
        return Ok(false);
    };
    let finish = |state: &'static str, size: Option<i64>| {
        file_blob::Entity::update_many()
            .col_expr(file_blob::Column::PreviewState, Expr::value(state))
            .col_expr(file_blob::Column::PreviewSize, Expr::value(size))
            .filter(file_blob::Column::Id.eq(b.id))
            .filter(file_blob::Column::PreviewState.eq(MAKING))
    };
    let Some(kind) = Kind::from_media_type(&b.media_type) else {
        finish(FAILED, None).exec(db).await?;
        return Ok(true);
    };
    // The content whole in memory: at most the file limit, one preview at a time.
    let bytes = match read_all(store, &b.storage_key, b.size).await {
        Ok(bytes) => bytes,
        Err(e) => {
            // Left claimed: tried again once the claim lapses.
            tracing::warn!(error = %e, key = b.storage_key, "preview waits for the store");
            return Ok(true);
        }
    };
    let made = tokio::task::spawn_blocking(move || preview::make(kind, &bytes))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let jpeg = match made {
        Ok(jpeg) => jpeg,
        Err(why) => {
            tracing::info!(blob = %b.id, why, "no preview for this image");
            finish(FAILED, None).exec(db).await?;
            return Ok(true);
        }
    };
    let key = preview_key(&b.storage_key);
    let staged = Staged(Some(store.staging_path()));
    let path = staged.0.clone().expect("staged");
    let len = jpeg.len() as u64;
    let put = match tokio::fs::write(&path, &jpeg).await {
        Ok(()) => store.put(&key, &path, len).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    drop(staged);
    if let Err(e) = put {
        tracing::warn!(error = %e, key, "preview waits for the store");
        return Ok(true);
    }
    let kept = finish(READY, Some(len as i64))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if !kept {
        // The content was freed (or taken over) meanwhile: this copy is not needed.
        let _ = store.delete(&key).await;
    }
    Ok(true)
}

async fn read_all(store: &Store, key: &str, size: i64) -> Result<Vec<u8>, String> {
    let size = u64::try_from(size).unwrap_or(0);
    let mut body = store.get(key, 0, size).await.map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(size as usize);
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// A preview as answered: still being made, or its bytes (None for a 304).
pub enum Preview {
    Making,
    Ready {
        etag: String,
        size: u64,
        body: Option<ByteStream>,
    },
}

pub async fn preview(
    db: &DatabaseConnection,
    store: &Store,
    caller: &Caller,
    id: Uuid,
    not_modified: impl Fn(&str) -> bool,
) -> ApiResult<Preview> {
    let (f, blob) = stored(db, caller, id).await?;
    match blob.preview_state.as_deref() {
        Some(READY) => {
            let etag = format!("\"{}-{}\"", f.sha256, preview::SIDE);
            let size = u64::try_from(blob.preview_size.unwrap_or(0)).unwrap_or(0);
            let body = if not_modified(&etag) {
                None
            } else {
                Some(
                    store
                        .get(&preview_key(&blob.storage_key), 0, size)
                        .await
                        .map_err(|e| ApiError::StoreUnavailable(e.to_string()))?,
                )
            };
            Ok(Preview::Ready { etag, size, body })
        }
        Some(PENDING | MAKING) => Ok(Preview::Making),
        Some(_) => Err(ApiError::NotFound(
            "the image could not be read (or is larger than previews are made for), so it has no preview; download the file itself".into(),
        )),
        None => Err(ApiError::NotFound(format!(
            "files of type {} have no preview",
            f.media_type
        ))),
    }
}
