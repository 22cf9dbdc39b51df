//! Answers of the busiest reads (the task list, my tasks, a campaign's progress) kept in memory,
//! keyed by who may see them, the query, today's date and the position of the blocs they depend
//! on (`crate::position`). A committed write of those blocs moves it, so a kept answer is served
//! only while nothing it shows has changed since it was made: never stale, on one instance or
//! many (each reads the shared position, a person's with the token check). People's
//! inboxes are kept the same way in a cache of their own, at the person's inbox version instead
//! of the feed's position.
//!
//! One answer is made per key at a time: readers that miss while it is being made wait for it
//! and are handed it, instead of each making their own (after a write, every client misses at
//! once, and eight builds of a cascaded campaign's progress on two cores took longer than one
//! build each).
//!
//! An answer is kept only for a query asked before (at any position): a one-off query (a search,
//! a filter by a chosen day) would otherwise fill the bytes with pages nobody asks again and
//! force out, with everything, the pages that are asked again. A query asked often is made once
//! more than before, then kept at each new position from its first making.
use crate::error::{ApiError, ApiResult};
use actix_web::{HttpResponse, web::Bytes};
use std::{
    collections::{HashMap, HashSet},
    hash::BuildHasher,
    sync::{Arc, Mutex, atomic::Ordering},
};

/// Most answers kept, and most bytes (bodies and keys) they may hold; when either is reached,
/// everything is dropped (old positions are garbage anyway). By bytes
/// too: 512 built pages of 48 KB held 25 MB, most of the service's memory under load.
const CAPACITY: usize = 512;
const BYTES: usize = 8 << 20;
/// Most inbox pages kept (a page of 50 is about 20 KB), and their bytes.
pub const INBOXES: usize = 1024;
pub const INBOX_BYTES: usize = 4 << 20;
/// Most queries remembered as asked (a hash each, under 100 KB), forgotten all at once.
const ASKED: usize = 4096;

/// A kept answer: its body, and its weak tag when the body is final (names nobody).
#[derive(Clone)]
pub struct Page {
    body: Bytes,
    tag: Option<String>,
}

impl Page {
    /// Examined once, when made: an answer that names nobody is final, and is tagged here
    /// rather than on every read.
    fn of(body: Bytes) -> Self {
        let tag =
            (!crate::answer::names_someone(&body)).then(|| crate::concurrency::body_tag(&body));
        Page { body, tag }
    }
}

pub struct PageCache {
    capacity: usize,
    max_bytes: usize,
    /// Answers served kept, and answers made (`/metrics`).
    pub hits: std::sync::atomic::AtomicU64,
    pub misses: std::sync::atomic::AtomicU64,
    pages: Mutex<Kept>,
    /// Keys whose answer is being made, with the slot its maker holds and fills.
    making: Mutex<HashMap<String, Slot>>,
    /// Queries (keys without their position) asked before, by hash.
    asked: Mutex<HashSet<u64>>,
    hasher: std::hash::RandomState,
}

/// Where a key's maker leaves its answer for the readers waiting on it.
type Slot = Arc<tokio::sync::Mutex<Option<Page>>>;

#[derive(Default)]
struct Kept {
    pages: HashMap<String, Page>,
    /// What the pages' bodies and keys hold.
    bytes: usize,
}

impl Default for PageCache {
    fn default() -> Self {
        Self::with_capacity(CAPACITY, BYTES)
    }
}

/// Ends a key's making when its maker is done, answered, refused or dropped mid-way.
struct Making<'a> {
    cache: &'a PageCache,
    key: &'a str,
}

impl Drop for Making<'_> {
    fn drop(&mut self) {
        if let Ok(mut m) = self.cache.making.lock() {
            m.remove(self.key);
        }
    }
}

impl PageCache {
    pub fn with_capacity(capacity: usize, max_bytes: usize) -> Self {
        Self {
            capacity,
            max_bytes,
            hits: Default::default(),
            misses: Default::default(),
            pages: Mutex::default(),
            making: Mutex::default(),
            asked: Mutex::default(),
            hasher: Default::default(),
        }
    }

    /// Whether an answer to `query` may be kept: it was asked before. Remembers that it was.
    fn admits(&self, query: &str) -> bool {
        let hash = self.hasher.hash_one(query);
        let Ok(mut asked) = self.asked.lock() else {
            return false;
        };
        if asked.contains(&hash) {
            return true;
        }
        if asked.len() >= ASKED {
            *asked = HashSet::new();
        }
        asked.insert(hash);
        false
    }

    fn get(&self, key: &str) -> Option<Page> {
        self.pages.lock().ok()?.pages.get(key).cloned()
    }

    fn put(&self, key: String, page: Page) {
        let size = key.len() + page.body.len();
        if size > self.max_bytes {
            return;
        }
        let Ok(mut kept) = self.pages.lock() else {
            return;
        };
        if kept.pages.len() >= self.capacity || kept.bytes + size > self.max_bytes {
            // What this frees goes back to the system with the next `allocator::run` tick.
            kept.pages = HashMap::new();
            kept.bytes = 0;
        }
        let key_len = key.len();
        kept.bytes += size;
        if let Some(old) = kept.pages.insert(key, page) {
            kept.bytes -= key_len + old.body.len();
        }
    }
}

/// A query string as a key: decoded, its parameters in name order (a repeated name keeps its
/// values' order), encoded one way, so `limit=50&status=draft`, `status=draft&limit=50` and
/// `status=%64raft&limit=50` share one kept answer.
pub fn normal_query(qs: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(qs.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Whether a `GET` of `route` (the path after the API's prefix) may be served a kept answer
/// (the task list, my tasks, a campaign's progress): the token check then reads the caller's
/// position with the account. A route missing here still works, reading its position in a
/// statement of its own.
pub fn kept_read(route: &str) -> bool {
    matches!(route, "/tasks" | "/me/tasks")
        || route
            .strip_prefix("/campaigns/")
            .and_then(|r| r.strip_suffix("/progress"))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Serves the answer kept for `key` at the feed's `position` (read by the caller), or makes it
/// and keeps it. A refusal is never kept.
///
/// A kept answer is kept as served: its people named (through `db`) and its tag made, so a hit
/// costs neither. That holds only because the position moves with every change of a person
/// it names (a staff record or an account is a change of its bloc, in the family the position
/// covers, or of no bloc, which moves every position): a cache keyed by anything else must
/// keep answers that name nobody.
pub async fn serve<T: serde::Serialize>(
    pages: &PageCache,
    db: &impl sea_orm::ConnectionTrait,
    key: &str,
    position: i64,
    make: impl AsyncFnOnce() -> ApiResult<T>,
) -> ApiResult<HttpResponse> {
    let key = format!("{key}|{}|{position}", crate::clock::today());
    // The query is the key without its position: derived, not built again on every hit.
    let query = &key[..key.rfind('|').unwrap_or(key.len())];
    let page = match pages.get(&key) {
        Some(b) => {
            pages.hits.fetch_add(1, Ordering::Relaxed);
            b
        }
        None => {
            let (slot, maker) = {
                let mut m = pages.making.lock().map_err(ApiError::internal)?;
                match m.get(&key) {
                    Some(s) => (s.clone(), false),
                    None => {
                        let s = Slot::default();
                        m.insert(key.clone(), s.clone());
                        (s, true)
                    }
                }
            };
            let mut held = slot.lock().await;
            let _making = maker.then(|| Making {
                cache: pages,
                key: &key,
            });
            // A waiter is handed what the maker made, kept or not (or finds it kept if the
            // maker was done before this reader asked for its slot); if the maker was refused,
            // it makes its own.
            match held.clone().or_else(|| pages.get(&key)) {
                Some(b) => {
                    pages.hits.fetch_add(1, Ordering::Relaxed);
                    b
                }
                None => {
                    pages.misses.fetch_add(1, Ordering::Relaxed);
                    let answer = make().await?;
                    let mut b = serde_json::to_vec(&answer).map_err(ApiError::internal)?;
                    if let Some(named) = crate::people::name_body(db, &b).await? {
                        b = named;
                    }
                    // Kept as long as it is, not as long as serialising happened to reserve
                    // (up to twice, by doubling).
                    b.shrink_to_fit();
                    let page = Page::of(Bytes::from(b));
                    if pages.admits(query) {
                        pages.put(key.clone(), page.clone());
                    }
                    *held = Some(page.clone());
                    page
                }
            }
        }
    };
    let mut res = HttpResponse::Ok();
    res.content_type("application/json");
    if let Some(tag) = &page.tag {
        res.insert_header((actix_web::http::header::ETAG, tag.as_str()));
        res.extensions_mut().insert(crate::answer::Final);
    }
    Ok(res.body(page.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_pages_stay_within_their_bytes() {
        let cache = PageCache::with_capacity(100, 1000);
        let page = |n: usize| Page::of(Bytes::from(vec![b' '; n]));
        let held = |c: &PageCache| {
            let kept = c.pages.lock().unwrap();
            let real: usize = kept.pages.iter().map(|(k, p)| k.len() + p.body.len()).sum();
            assert_eq!(kept.bytes, real, "the count follows what is held");
            (kept.pages.len(), kept.bytes)
        };
        cache.put("a".into(), page(399));
        cache.put("b".into(), page(399));
        assert_eq!(held(&cache), (2, 800));
        // The same key again replaces its page and its bytes.
        cache.put("b".into(), page(99));
        assert_eq!(held(&cache), (2, 500));
        // Past the bytes: everything goes, the new page stays.
        cache.put("c".into(), page(599));
        assert_eq!(held(&cache), (1, 600));
        assert!(cache.get("a").is_none() && cache.get("c").is_some());
        // A page larger than the whole budget is never kept (and drops nothing).
        cache.put("d".into(), page(1000));
        assert_eq!(held(&cache), (1, 600));
    }

    #[test]
    fn one_query_however_it_is_written_is_one_key() {
        let k = normal_query("status=draft&limit=50");
        assert_eq!(normal_query("limit=50&status=draft"), k);
        assert_eq!(normal_query("status=%64raft&limit=50"), k);
        assert_eq!(normal_query("limit=%35%30&status=draft"), k);
        assert_ne!(normal_query("status=draft&limit=51"), k);
        // A repeated name keeps its values' order; `+` and `%20` are one space.
        assert_ne!(normal_query("a=1&a=2"), normal_query("a=2&a=1"));
        assert_eq!(normal_query("q=ke+hoach"), normal_query("q=ke%20hoach"));
    }

    #[test]
    fn the_reads_that_keep_answers_are_known_by_their_path() {
        for p in [
            "/tasks",
            "/me/tasks",
            "/campaigns/01a22e0a-4620-76bb-a8a5-58c995cd87c7/progress",
        ] {
            assert!(kept_read(p), "{p}");
        }
        for p in [
            "/tasks/01a22e0a-4620-76bb-a8a5-58c995cd87c7",
            "/me",
            "/campaigns//progress",
            "/campaigns/a/b/progress",
            "/api/v1/tasks",
            "/taskss",
        ] {
            assert!(!kept_read(p), "{p}");
        }
    }

    #[test]
    fn keeps_answers_and_drops_them_all_when_full() {
        let c = PageCache::default();
        c.put("a".into(), Page::of(Bytes::from_static(b"1")));
        assert_eq!(c.get("a").map(|p| p.body).as_deref(), Some(&b"1"[..]));
        for i in 0..CAPACITY {
            c.put(format!("k{i}"), Page::of(Bytes::from_static(b"x")));
        }
        assert!(c.get("a").is_none());
        assert!(c.pages.lock().unwrap().pages.len() <= CAPACITY);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_on_one_key_make_the_answer_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = Arc::new(PageCache::default());
        let made = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..8)
            .map(|_| {
                let (cache, made) = (cache.clone(), made.clone());
                tokio::spawn(async move {
                    serve(
                        &cache,
                        &sea_orm::DatabaseConnection::default(),
                        "k",
                        7,
                        async || {
                            made.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok(42)
                        },
                    )
                    .await
                    .map(|r| r.status())
                })
            })
            .collect();
        for r in readers {
            assert_eq!(r.await.unwrap().unwrap(), 200);
        }
        assert_eq!(made.load(Ordering::SeqCst), 1);
        assert!(cache.making.lock().unwrap().is_empty());
        // Handed to the waiters, not kept: the query was asked for the first time.
        assert!(cache.pages.lock().unwrap().pages.is_empty());
        assert_eq!(cache.hits.load(Ordering::SeqCst), 7);
    }

    #[tokio::test]
    async fn a_query_is_kept_from_its_second_asking_and_at_each_new_position() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = PageCache::default();
        let made = AtomicUsize::new(0);
        let ask = async |key: &str, position: i64| {
            serve(
                &cache,
                &sea_orm::DatabaseConnection::default(),
                key,
                position,
                async || {
                    made.fetch_add(1, Ordering::SeqCst);
                    Ok(position)
                },
            )
            .await
            .unwrap();
            made.load(Ordering::SeqCst)
        };
        let kept = |c: &PageCache| c.pages.lock().unwrap().pages.len();
        assert_eq!(ask("once", 1).await, 1);
        assert_eq!(kept(&cache), 0, "a query asked once is not kept");
        assert_eq!(ask("k", 1).await, 2);
        assert_eq!(ask("k", 1).await, 3, "asked before, made and kept");
        assert_eq!(kept(&cache), 1);
        assert_eq!(ask("k", 1).await, 3, "served kept");
        assert_eq!(ask("k", 2).await, 4, "a new position is made");
        assert_eq!(ask("k", 2).await, 4, "and kept at once");
        assert_eq!(kept(&cache), 2);
        assert_eq!(
            (
                cache.hits.load(Ordering::SeqCst),
                cache.misses.load(Ordering::SeqCst)
            ),
            (2, 4)
        );
    }

    #[test]
    fn the_asked_queries_stay_within_their_count() {
        let cache = PageCache::default();
        for i in 0..ASKED * 2 + 1 {
            assert!(!cache.admits(&format!("q{i}")));
        }
        assert!(cache.asked.lock().unwrap().len() <= ASKED);
        assert!(cache.admits(&format!("q{}", ASKED * 2)));
    }

    #[tokio::test]
    async fn a_refusal_is_not_kept_and_a_waiter_makes_its_own() {
        let cache = PageCache::default();
        let refused = serve(
            &cache,
            &sea_orm::DatabaseConnection::default(),
            "k",
            1,
            async || Err::<i32, _>(ApiError::NotFound("campaign".into())),
        )
        .await;
        assert!(refused.is_err());
        assert!(cache.making.lock().unwrap().is_empty());
        let ok = serve(
            &cache,
            &sea_orm::DatabaseConnection::default(),
            "k",
            1,
            async || Ok(1),
        )
        .await
        .unwrap();
        assert_eq!(ok.status(), 200);
    }
}
