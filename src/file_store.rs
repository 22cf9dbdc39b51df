//! Where the bytes of attachments live: a folder under `KHOI_DATA_DIR` (the default, nothing to
//! install) or an S3-compatible object store. The database holds only what describes them.
//!
//! Both stores take a finished file from the staging folder (an upload is written there first,
//! checked, hashed and stripped of a phone's location), so an object is complete before its
//! row commits, and an upload cut off half-way leaves only a staging file the sweep removes.
use crate::config::{FilesConfig, S3Config};
use actix_web::web::Bytes;
use futures_util::{Stream, TryStreamExt};
use std::{
    path::{Path, PathBuf},
    pin::Pin,
    time::Duration,
};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Bytes of an object, as they arrive.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// What went wrong with the store: the request that needed it answers 503, never 500.
#[derive(Debug, thiserror::Error)]
#[error("file store: {0}")]
pub struct StoreError(pub String);

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

pub enum Backend {
    Local { root: PathBuf },
    S3(Box<S3>),
}

pub struct S3 {
    bucket: rusty_s3::Bucket,
    credentials: rusty_s3::Credentials,
    http: reqwest::Client,
}

pub struct Store {
    backend: Backend,
    staging: PathBuf,
}

/// How long a signed request stays valid: it is used at once.
const SIGNED_FOR: Duration = Duration::from_secs(300);
/// The size of the pieces a local file is read in.
const CHUNK: usize = 64 * 1024;

impl Store {
    pub fn new(data_dir: &Path, cfg: &FilesConfig) -> Result<Self, String> {
        let staging = data_dir.join("files").join("staging");
        std::fs::create_dir_all(&staging)
            .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
        let backend = match &cfg.s3 {
            None => {
                let root = data_dir.join("files").join("objects");
                std::fs::create_dir_all(&root)
                    .map_err(|e| format!("cannot create {}: {e}", root.display()))?;
                Backend::Local { root }
            }
            Some(s3) => Backend::S3(Box::new(S3::new(s3)?)),
        };
        Ok(Self { backend, staging })
    }

    /// A new file name in the staging folder (on local disk whichever the store).
    pub fn staging_path(&self) -> PathBuf {
        self.staging
            .join(format!("{}.part", uuid::Uuid::new_v4().simple()))
    }

    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// Moves a finished staging file into the store under `key` (the staging file is gone
    /// afterwards, whatever the outcome).
    pub async fn put(&self, key: &str, staged: &Path, size: u64) -> Result<(), StoreError> {
        let out = match &self.backend {
            Backend::Local { root } => {
                let dest = local_path(root, key);
                if let Some(dir) = dest.parent() {
                    tokio::fs::create_dir_all(dir).await.map_err(err)?;
                }
                // Same file system: a rename is atomic, so the object is whole or absent.
                tokio::fs::rename(staged, &dest).await.map_err(err)
            }
            Backend::S3(s3) => s3.put(key, staged, size).await,
        };
        let _ = tokio::fs::remove_file(staged).await;
        out
    }

    /// The bytes of `key` from `start`, `len` of them.
    pub async fn get(&self, key: &str, start: u64, len: u64) -> Result<ByteStream, StoreError> {
        match &self.backend {
            Backend::Local { root } => {
                let mut f = tokio::fs::File::open(local_path(root, key))
                    .await
                    .map_err(err)?;
                f.seek(std::io::SeekFrom::Start(start)).await.map_err(err)?;
                Ok(Box::pin(read_local(f, len)))
            }
            Backend::S3(s3) => s3.get(key, start, len).await,
        }
    }

    /// Removes `key`; an object already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Local { root } => match tokio::fs::remove_file(local_path(root, key)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(err(e)),
                _ => Ok(()),
            },
            Backend::S3(s3) => s3.delete(key).await,
        }
    }
}

/// Keys are made by the service (`blocs/<uuid>/<uuid>`), never from a user's file name.
fn local_path(root: &Path, key: &str) -> PathBuf {
    debug_assert!(!key.contains(".."));
    root.join(key)
}

fn read_local(
    f: tokio::fs::File,
    len: u64,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::try_unfold((f, len), |(mut f, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let mut buf = vec![0u8; CHUNK.min(left as usize)];
        let n = f.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the stored file is shorter than its record",
            ));
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), (f, left - n as u64))))
    })
}

impl S3 {
    fn new(c: &S3Config) -> Result<Self, String> {
        let endpoint = c
            .endpoint
            .parse()
            .map_err(|e| format!("KHOI_FILES_S3_ENDPOINT: {e}"))?;
        let style = if c.path_style {
            rusty_s3::UrlStyle::Path
        } else {
            rusty_s3::UrlStyle::VirtualHost
        };
        let bucket = rusty_s3::Bucket::new(endpoint, style, c.bucket.clone(), c.region.clone())
            .map_err(|e| format!("KHOI_FILES_S3_ENDPOINT: {e}"))?;
        let http = reqwest::Client::builder()
            // The endpoint is the operator's: nothing else is ever reached, not even by redirect.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("S3 client: {e}"))?;
        Ok(Self {
            bucket,
            credentials: rusty_s3::Credentials::new(
                c.access_key_id.clone(),
                c.secret_access_key.expose().to_string(),
            ),
            http,
        })
    }

    async fn put(&self, key: &str, staged: &Path, size: u64) -> Result<(), StoreError> {
        use rusty_s3::S3Action;
        let url = self
            .bucket
            .put_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let f = tokio::fs::File::open(staged).await.map_err(err)?;
        let body = reqwest::Body::wrap_stream(read_local(f, size));
        let res = self
            .http
            .put(url)
            .header(reqwest::header::CONTENT_LENGTH, size)
            .body(body)
            .send()
            .await
            .map_err(err)?;
        ok_or_status(res, "PUT").await.map(|_| ())
    }

    async fn get(&self, key: &str, start: u64, len: u64) -> Result<ByteStream, StoreError> {
        use rusty_s3::S3Action;
        let url = self
            .bucket
            .get_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let mut req = self.http.get(url);
        if len > 0 {
            req = req.header(
                reqwest::header::RANGE,
                format!("bytes={start}-{}", start + len - 1),
            );
        }
        let res = ok_or_status(req.send().await.map_err(err)?, "GET").await?;
        Ok(Box::pin(res.bytes_stream().map_err(std::io::Error::other)))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        use rusty_s3::S3Action;
        let url = self
            .bucket
            .delete_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let res = self.http.delete(url).send().await.map_err(err)?;
        if res.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        ok_or_status(res, "DELETE").await.map(|_| ())
    }
}

async fn ok_or_status(res: reqwest::Response, what: &str) -> Result<reqwest::Response, StoreError> {
    if res.status().is_success() {
        return Ok(res);
    }
    let status = res.status();
    // S3 explains in a short XML body; a line of it is enough for the log.
    let body: String = res
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    Err(StoreError(format!("{what} answered {status}: {body}")))
}
