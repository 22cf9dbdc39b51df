//! Answers of the busiest reads (the task list, my tasks, a campaign's progress) kept in memory,
//! keyed by who may see them, the query, today's date and the change feed's position. Any committed write anywhere
//! moves the position, so a kept answer is served only while nothing has changed since it was
//! made: never stale, on one instance or many (each reads the shared position).
use crate::error::{ApiError, ApiResult};
use actix_web::{HttpResponse, web::Bytes};
use std::{collections::HashMap, sync::Mutex};

/// Most answers kept; when full, everything is dropped (old positions are garbage anyway).
const CAPACITY: usize = 512;

#[derive(Default)]
pub struct PageCache {
    pages: Mutex<HashMap<String, Bytes>>,
}

impl PageCache {
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.pages.lock().ok()?.get(key).cloned()
    }

    pub fn put(&self, key: String, page: Bytes) {
        if let Ok(mut pages) = self.pages.lock() {
            if pages.len() >= CAPACITY {
                pages.clear();
            }
            pages.insert(key, page);
        }
    }
}

/// Serves the answer kept for `key` at the feed's `position` (read by the caller), or makes it
/// and keeps it. A refusal is never kept.
pub async fn serve<T: serde::Serialize>(
    pages: &PageCache,
    key: &str,
    position: i64,
    make: impl AsyncFnOnce() -> ApiResult<T>,
) -> ApiResult<HttpResponse> {
    let key = format!("{key}|{}|{position}", crate::clock::today());
    let body = match pages.get(&key) {
        Some(b) => b,
        None => {
            let answer = make().await?;
            let b = Bytes::from(serde_json::to_vec(&answer).map_err(ApiError::internal)?);
            pages.put(key, b.clone());
            b
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_answers_and_drops_them_all_when_full() {
        let c = PageCache::default();
        c.put("a".into(), Bytes::from_static(b"1"));
        assert_eq!(c.get("a").as_deref(), Some(&b"1"[..]));
        for i in 0..CAPACITY {
            c.put(format!("k{i}"), Bytes::from_static(b"x"));
        }
        assert!(c.get("a").is_none());
        assert!(c.pages.lock().unwrap().len() <= CAPACITY);
    }
}
