//! The change feed: complete, in commit order, scoped, under concurrent writers.
use crate::helpers::spawn_app;
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

const WRITERS: usize = 8;
const EACH: usize = 500;

/// Sends a request again while it is answered `503` (at most five times), after the
/// `Retry-After` it was given.
async fn retrying(request: impl Fn() -> reqwest::RequestBuilder) -> reqwest::Response {
    for _ in 0..5 {
        let res = request().send().await.unwrap();
        if res.status() != 503 {
            return res;
        }
        let wait: u64 = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        tokio::time::sleep(std::time::Duration::from_secs(wait.min(5))).await;
    }
    request().send().await.unwrap()
}

#[tokio::test]
async fn a_reader_following_the_cursor_sees_every_change_once_in_commit_order() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let done = Arc::new(AtomicBool::new(false));
    // Where the feed stands before the writers start (the seed's own change is behind it).
    let mut start = 0i64;
    loop {
        let (_, page) = app
            .get_json(
                &format!("/api/v1/changes?after={start}&limit=1000"),
                &demo.staff,
            )
            .await;
        start = page["next_after"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    // The reader follows the feed while the writers write.
    let reader = {
        let (client, base, token, done) = (
            app.client.clone(),
            app.address.clone(),
            demo.staff.clone(),
            done.clone(),
        );
        tokio::spawn(async move {
            let mut after = start;
            let mut seen: Vec<Value> = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page: Value = client
                    .get(format!("{base}/api/v1/changes?after={after}&limit=200"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let items = page["items"].as_array().unwrap().clone();
                after = page["next_after"].as_i64().unwrap();
                seen.extend(items);
                if finished && !page["has_more"].as_bool().unwrap() {
                    return seen;
                }
            }
        })
    };
    // Eight writers, each creating units and changing each one once.
    let results = join_all((0..WRITERS).map(|w| {
        let (app, token) = (&app, &demo.head);
        async move {
            let mut ids = Vec::new();
            for i in 0..EACH {
                // A write that waited too long for SQLite's one writer on a starved machine is
                // `503` with `Retry-After` and wrote nothing; a client retries it, safely with
                // its Idempotency-Key.
                let res = retrying(|| {
                    app.client
                        .post(app.url("/api/v1/units"))
                        .bearer_auth(token)
                        .header("idempotency-key", format!("thon-{w}-{i}"))
                        .json(&json!({"name": format!("Thôn {w}-{i}"), "kind": "village"}))
                })
                .await;
                assert_eq!(res.status(), 201);
                let u: Value = res.json().await.unwrap();
                let id = u["id"].as_str().unwrap().to_string();
                if i % 5 == 0 {
                    let res = retrying(|| {
                        app.client
                            .patch(app.url(&format!("/api/v1/units/{id}")))
                            .bearer_auth(token)
                            .header("if-match", "\"1\"")
                            .json(&json!({"households": i}))
                    })
                    .await;
                    assert_eq!(res.status(), 200);
                }
                ids.push(id);
            }
            ids
        }
    }))
    .await;
    done.store(true, Ordering::SeqCst);
    let seen = reader.await.unwrap();
    let created: HashSet<String> = results.into_iter().flatten().collect();
    let updates = WRITERS * EACH.div_ceil(5);
    assert_eq!(seen.len(), created.len() + updates, "every change once");
    // Numbered without gaps, in order: nothing missed, nothing repeated or reordered.
    let seqs: Vec<i64> = seen.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "gaps or disorder in {seqs:?}"
    );
    let creates: HashSet<String> = seen
        .iter()
        .filter(|c| c["operation"] == "create")
        .map(|c| c["resource_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(creates, created);
    // A unit's update comes after its creation, with the new version.
    let first_update = seen.iter().find(|c| c["operation"] == "update").unwrap();
    let id = &first_update["resource_id"];
    let created_at = seen
        .iter()
        .position(|c| c["resource_id"] == *id && c["operation"] == "create");
    let updated_at = seen
        .iter()
        .position(|c| c["resource_id"] == *id && c["operation"] == "update");
    assert!(created_at < updated_at);
    assert_eq!(first_update["version"], 2);
}

#[tokio::test]
async fn the_feed_is_scoped_like_everything_else() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn Đông", "kind": "village"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (_, other) = app
        .other_bloc(&demo.admin, "Khối huyện Tiên Yên", "Lạng Sơn", "ty.head")
        .await;
    let res = app
        .post_json(
            "/api/v1/units",
            &json!({"name": "Thôn Tây", "kind": "village"}),
            Some(&other),
        )
        .await;
    assert_eq!(res.status(), 201);
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "portal.qn")
        .await;
    let types = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{}:{}",
                    c["resource_type"].as_str().unwrap(),
                    c["bloc_id"].as_str().unwrap_or("-")
                )
            })
            .collect()
    };
    let (_, mine) = app
        .get_json("/api/v1/changes?limit=1000", &demo.staff)
        .await;
    assert_eq!(mine["has_more"], false);
    // The bloc's own changes, and those of reference data of no bloc (the provinces).
    assert!(
        types(&mine)
            .iter()
            .all(|t| t.ends_with(&demo.bloc_id) || t == "province:-"),
        "{mine}"
    );
    assert!(types(&mine).iter().any(|t| t == "province:-"));
    assert!(types(&mine).iter().any(|t| t.starts_with("unit:")));
    let (_, theirs) = app
        .get_json("/api/v1/changes?resource_type=unit", &other)
        .await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    // The portal of Quảng Ninh sees Hải Hà (its seeded units and the new one), not the bloc of
    // Lạng Sơn.
    let (_, p) = app
        .get_json("/api/v1/changes?resource_type=unit", &portal)
        .await;
    let hai_ha = format!("unit:{}", demo.bloc_id);
    let portal_sees = types(&p);
    assert!(
        portal_sees.len() > 1 && portal_sees.iter().all(|t| *t == hai_ha),
        "{p}"
    );
    let (_, all) = app
        .get_json("/api/v1/changes?resource_type=unit", &demo.admin)
        .await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        portal_sees.len() + 1
    );
    for bad in ["after=-1", "limit=0", "limit=1001", "after=abc"] {
        let res = app
            .get(&format!("/api/v1/changes?{bad}"), Some(&demo.staff))
            .await;
        assert_eq!(res.status(), 400, "{bad}");
    }
    // Nothing new: the cursor stays where it is.
    let after = mine["next_after"].as_i64().unwrap();
    let (_, again) = app
        .get_json(&format!("/api/v1/changes?after={after}"), &demo.staff)
        .await;
    assert_eq!(
        (
            again["items"].as_array().unwrap().len(),
            again["next_after"].as_i64()
        ),
        (0, Some(after))
    );
}

/// The task list and my tasks are kept in memory between writes: a write anywhere must show at
/// once, on the next read.
#[tokio::test]
async fn kept_list_pages_are_never_stale() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let path = "/api/v1/tasks?status=draft&limit=200";
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    let (_, before) = app.get_json(path, &demo.staff).await;
    let (_, again) = app.get_json(path, &demo.staff).await;
    assert_eq!(before, again, "the same answer while nothing changed");
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Rà soát danh sách hộ nghèo năm 2016"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let task: Value = res.json().await.unwrap();
    let (_, after) = app.get_json(path, &demo.staff).await;
    assert_eq!(count(&after), count(&before) + 1);
    // A change to the task (not to the list's filter) shows too.
    let id = task["id"].as_str().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/tasks/{id}"),
            &json!({"title": "Rà soát danh sách hộ nghèo, cận nghèo năm 2016"}),
            &demo.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let (_, renamed) = app.get_json(path, &demo.staff).await;
    assert!(renamed.to_string().contains("cận nghèo"));
    // Another bloc's write moves the position too: still correct, just not kept.
    let (_, other) = app
        .other_bloc(&demo.admin, "Khối huyện Vân Đồn", "Quảng Ninh", "vd.head")
        .await;
    app.post_json(
        "/api/v1/units",
        &json!({"name": "Thôn Bản Sen", "kind": "village"}),
        Some(&other),
    )
    .await;
    let (_, still) = app.get_json(path, &demo.staff).await;
    assert_eq!(still, renamed);
}

/// This instance's page cache: answers served kept, and answers made.
async fn cache_counts(app: &crate::helpers::TestApp) -> (u64, u64) {
    let text = app.get("/metrics", None).await.text().await.unwrap();
    let read = |result: &str| {
        let line = format!("khoi_page_cache_total{{result=\"{result}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(line.as_str()))
            .unwrap_or_else(|| panic!("no {line} in /metrics"))
            .parse()
            .unwrap()
    };
    (read("hit"), read("miss"))
}

/// A kept page is dropped by the writes that concern it (issue 19), not by any write: a
/// commune's write is read anew by the commune and by its province (roll-ups, cascaded
/// figures), while a sibling commune keeps its pages; the portal of the province reads anew
/// too. And the answer made again shows the write.
#[tokio::test]
async fn kept_pages_are_dropped_by_their_own_familys_writes_only() {
    let app = spawn_app().await;
    let demo = app.seed_full_demo().await;
    let pw = crate::helpers::DEMO_PASSWORD;
    let tinh = app.login("demo.tinh", pw).await.access;
    let quangha = app.login("demo.quangha", pw).await.access;
    let duonghoa = app.login("demo.duonghoa", pw).await.access;
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "portal.qn")
        .await;
    let path = "/api/v1/tasks?limit=200";
    let readers = [&tinh, &quangha, &duonghoa, &portal];
    // Made twice: a query's answer is kept from its second asking.
    let (h, m) = cache_counts(&app).await;
    for _ in 0..2 {
        for t in readers {
            assert_eq!(app.get_json(path, t).await.0, 200);
        }
    }
    let (h0, m0) = cache_counts(&app).await;
    assert_eq!((h0, m0), (h, m + 8), "asked once, nothing kept");
    let mut before = vec![];
    for t in readers {
        before.push(app.get_json(path, t).await.1);
    }
    assert_eq!(cache_counts(&app).await, (h0 + 4, m0), "all four kept");
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Vận động hội viên tham gia bảo hiểm y tế hộ gia đình"}),
            Some(&quangha),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (h1, m1) = cache_counts(&app).await;
    let (_, sibling) = app.get_json(path, &duonghoa).await;
    assert_eq!(sibling, before[2]);
    assert_eq!(
        cache_counts(&app).await,
        (h1 + 1, m1),
        "the sibling's page kept"
    );
    let (_, own) = app.get_json(path, &quangha).await;
    assert!(own.to_string().contains("bảo hiểm y tế"), "the write shows");
    app.get_json(path, &tinh).await;
    let (_, seen) = app.get_json(path, &portal).await;
    assert!(
        seen.to_string().contains("bảo hiểm y tế"),
        "the portal sees it"
    );
    assert_eq!(
        cache_counts(&app).await,
        (h1 + 1, m1 + 3),
        "the commune, its province and the portal read anew"
    );
}

/// The portal as an API client (client credentials): its kept list is served again while its
/// province has not written, and read anew after a commune of the province writes. Its position
/// comes with the client's own check, not with a person's account.
#[tokio::test]
async fn an_api_clients_kept_list_follows_its_provinces_writes() {
    let app = spawn_app().await;
    let demo = app.seed_full_demo().await;
    let quangha = app
        .login("demo.quangha", crate::helpers::DEMO_PASSWORD)
        .await
        .access;
    let c = app.new_client(&demo.admin, "Quảng Ninh").await;
    let token = app.client_token(&c).await;
    let path = "/api/v1/tasks?limit=200";
    let (s, first) = app.get_json(path, &token).await;
    assert_eq!(s, 200, "{first}");
    // Kept from its second asking.
    assert_eq!(app.get_json(path, &token).await.1, first);
    let (h0, m0) = cache_counts(&app).await;
    assert_eq!(app.get_json(path, &token).await.1, first);
    assert_eq!(cache_counts(&app).await, (h0 + 1, m0), "kept");
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Tuyên truyền phòng chống lừa đảo qua mạng cho hội viên"}),
            Some(&quangha),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (_, seen) = app.get_json(path, &token).await;
    assert!(
        seen.to_string().contains("lừa đảo qua mạng"),
        "the client sees the commune's write"
    );
}

/// What the provincial portal does: follow the feed while a bloc works, fetch each change by
/// its `href`, and end up with the same versions as the database.
#[tokio::test]
async fn a_portal_syncing_through_the_feed_ends_with_what_the_database_holds() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "portal.qn")
        .await;
    // A nested resource: its href names its parents.
    let campaign = app.first_id("/api/v1/campaigns", &demo.head).await;
    let unit = app.first_id("/api/v1/units", &demo.head).await;
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/registrations"),
            &json!({"unit_id": unit, "title": "Mô hình \"Dân vận khéo\" của thôn", "registered_on": "2016-04-01"}),
            Some(&demo.staff),
        )
        .await;
    assert_eq!(res.status(), 201);
    let registration = res.json::<Value>().await.unwrap()["id"].clone();
    let writer = {
        let (client, base, head) = (app.client.clone(), app.address.clone(), demo.head.clone());
        tokio::spawn(async move {
            for i in 0..40 {
                let res = client
                    .post(format!("{base}/api/v1/tasks"))
                    .bearer_auth(&head)
                    .json(&json!({"title": format!("Đồng bộ nhiệm vụ {i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                let id = res.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string();
                if i % 2 == 0 {
                    let res = client
                        .patch(format!("{base}/api/v1/tasks/{id}"))
                        .bearer_auth(&head)
                        .json(&json!({"title": format!("Đồng bộ nhiệm vụ {i} (sửa)")}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 200);
                }
            }
        })
    };
    let mut copy: std::collections::HashMap<String, (String, Value)> = Default::default();
    let mut after = 0;
    let mut fetched = 0;
    loop {
        let done = writer.is_finished();
        let (status, page) = app
            .get_json(&format!("/api/v1/changes?after={after}&limit=50"), &portal)
            .await;
        assert_eq!(status, 200);
        for c in page["items"].as_array().unwrap() {
            let href = c["href"]
                .as_str()
                .expect("every change says where to read it");
            let (status, body) = app.get_json(href, &portal).await;
            assert_eq!(status, 200, "{href}");
            fetched += 1;
            if body.get("version").is_some() {
                copy.insert(
                    c["resource_id"].as_str().unwrap().to_string(),
                    (href.to_string(), body),
                );
            }
        }
        after = page["next_after"].as_i64().unwrap();
        if done && !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    writer.await.unwrap();
    // The copy holds every task at its current version, and every other resource read as well.
    let (_, tasks) = app.get_json("/api/v1/tasks?limit=200", &demo.head).await;
    let tasks = tasks["items"].as_array().unwrap();
    assert!(tasks.len() >= 40);
    for t in tasks {
        let (_, mine) = &copy[t["id"].as_str().unwrap()];
        assert_eq!(mine["version"], t["version"], "{}", t["title"]);
        assert_eq!(mine["title"], t["title"]);
    }
    for (href, mine) in copy.values() {
        let (_, now) = app.get_json(href, &portal).await;
        assert_eq!(now["version"], mine["version"], "{href}");
    }
    assert!(fetched > 60, "{fetched}");
    let id = registration.as_str().unwrap();
    assert_eq!(
        copy[id].0,
        format!("/api/v1/campaigns/{campaign}/registrations/{id}")
    );
}

/// A kept page is kept with its people named (issue 19: a hit neither looks them up nor tags
/// the page again), and a corrected name still shows at once: the person's record is a change
/// of their bloc, which moves the position the page is kept at.
#[tokio::test]
async fn a_kept_page_names_people_as_they_are_now() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Tổng hợp ý kiến cử tri trước kỳ họp"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let task: Value = res.json().await.unwrap();
    let (_, me) = app.get_json("/api/v1/me", &demo.head).await;
    let person = me["staff_id"].as_str().unwrap().to_string();
    let path = "/api/v1/tasks?status=draft&limit=200";
    let creator = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == task["id"])
            .map(|t| t["created_by"].clone())
            .unwrap()
    };
    let (_, first) = app.get_json(path, &demo.staff).await;
    assert_eq!(creator(&first)["full_name"], me["person"]["full_name"]);
    // Kept from its second asking.
    assert_eq!(app.get_json(path, &demo.staff).await.1, first);
    let (hits, _) = cache_counts(&app).await;
    let (_, kept) = app.get_json(path, &demo.staff).await;
    assert_eq!(cache_counts(&app).await.0, hits + 1, "served kept");
    assert_eq!(kept, first);
    let res = app
        .patch_json(
            &format!("/api/v1/staff/{person}"),
            &json!({"full_name": "Nguyễn Thế Hòa (đã sửa)"}),
            &demo.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (_, after) = app.get_json(path, &demo.staff).await;
    assert_eq!(creator(&after)["full_name"], "Nguyễn Thế Hòa (đã sửa)");
    assert_eq!(creator(&after)["id"], json!(person));
}

/// Writers in parallel (issue 19, item 3): a transaction that has written a change and not yet
/// committed holds up no other writer, and its change is numbered when it commits, after the
/// changes committed while it was open. (SQLite has one writer at a time.)
#[tokio::test]
#[ignore = "PostgreSQL only: run with TEST_DATABASE_URL and --include-ignored (CI does)"]
async fn a_write_not_yet_committed_holds_up_no_other_writer() {
    let app = spawn_app().await;
    crate::helpers::postgres_only(&app);
    let demo = app.seed_demo().await;
    let bloc = uuid::Uuid::parse_str(&demo.bloc_id).unwrap();
    let held_id = uuid::Uuid::now_v7();
    let held = khoi::db::begin_write(&app.state.db).await.unwrap();
    khoi::changes::service::append(&held, "unit", held_id, Some(bloc), "create", "create", None)
        .await
        .unwrap();
    // Another write while the first is open: it used to wait for the first one's commit.
    let res = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        app.client
            .post(app.url("/api/v1/units"))
            .bearer_auth(&demo.head)
            .json(&json!({"name": "Thôn Đồng Tâm", "kind": "village"}))
            .send(),
    )
    .await
    .expect("a write waited for another transaction's commit")
    .unwrap();
    assert_eq!(res.status(), 201);
    let unit = res.json::<Value>().await.unwrap()["id"].clone();
    let last = async || {
        let (_, page) = app
            .get_json("/api/v1/changes?resource_type=unit&limit=1000", &demo.head)
            .await;
        page["items"].as_array().unwrap().clone()
    };
    let before = last().await;
    assert_eq!(before.last().unwrap()["resource_id"], unit);
    assert!(
        before
            .iter()
            .all(|c| c["resource_id"] != held_id.to_string().as_str())
    );
    held.commit().await.unwrap();
    let after = last().await;
    let n = after.len();
    assert_eq!(after[n - 1]["resource_id"], held_id.to_string().as_str());
    assert_eq!(after[n - 2]["resource_id"], unit);
    assert_eq!(
        after[n - 1]["seq"].as_i64().unwrap(),
        after[n - 2]["seq"].as_i64().unwrap() + 1,
        "numbered at its commit, next after the write that committed first"
    );
}
