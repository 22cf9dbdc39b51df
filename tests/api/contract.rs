//! The contract as the clients' builders meet it: coded problems in Vietnamese or English,
//! conditional GETs, compression, and the person behind `/me`.
use crate::helpers::{assert_problem, spawn_app};
use khoi::error::catalog;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

const VI: &str = "vi-VN,vi;q=0.9,en;q=0.5";

/// One request, sent twice: in Vietnamese and with no language; both answers carry the same
/// code, the Vietnamese one the catalog's title and a Vietnamese detail, the other English.
async fn both(make: impl Fn() -> RequestBuilder, status: u16, code: &str) -> (Value, Value) {
    let vi_res = make().header("accept-language", VI).send().await.unwrap();
    assert_eq!(
        vi_res
            .headers()
            .get("content-language")
            .map(|v| v.to_str().unwrap()),
        Some("vi"),
        "{code}"
    );
    let vi = assert_problem(vi_res, status).await;
    let en_res = make().send().await.unwrap();
    assert_eq!(
        en_res
            .headers()
            .get("content-language")
            .map(|v| v.to_str().unwrap()),
        Some("en")
    );
    let en = assert_problem(en_res, status).await;
    let kind = catalog::problem_type(code);
    for body in [&vi, &en] {
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["type"], kind.uri(), "{body}");
    }
    // The same document in another language: no field added or lost.
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&vi), keys(&en), "{vi}");
    assert_eq!(vi["title"], kind.vi);
    assert_eq!(en["title"], kind.en);
    assert_ne!(
        vi["detail"], en["detail"],
        "the detail is not translated: {vi}"
    );
    for (v, e) in vi["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(en["errors"].as_array().into_iter().flatten())
    {
        assert_eq!(v["code"], e["code"]);
        assert_ne!(v["message"], e["message"], "not translated: {v}");
    }
    (vi, en)
}

#[tokio::test]
async fn problems_carry_a_code_and_read_in_vietnamese_when_asked() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let c = &app.client;
    let url = |p: &str| app.url(p);

    // 400: not JSON; a path parameter that is not a UUID.
    both(
        || {
            c.post(url("/api/v1/auth/login"))
                .header("content-type", "application/json")
                .body("{\"username\": ")
        },
        400,
        "malformed_request",
    )
    .await;
    let (vi, _) = both(
        || {
            c.get(url("/api/v1/tasks/không-phải-uuid"))
                .bearer_auth(&demo.head)
        },
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(vi["errors"][0]["code"], "invalid_format");
    assert!(
        vi["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("UUID")
    );
    // 401: no token; a token that is not ours.
    both(|| c.get(url("/api/v1/tasks")), 401, "unauthenticated").await;
    both(
        || c.get(url("/api/v1/tasks")).bearer_auth("abc.def.ghi"),
        401,
        "invalid_token",
    )
    .await;
    // 403: staff may not record directives.
    both(
        || {
            c.post(url("/api/v1/directives"))
                .bearer_auth(&demo.staff)
                .json(&json!({"number": "01-CV/K", "title": "Công văn", "issued_on": "2016-01-05"}))
        },
        403,
        "forbidden",
    )
    .await;
    // 404 and 405.
    both(
        || {
            c.get(url("/api/v1/tasks/019ac000-0000-7000-8000-000000000999"))
                .bearer_auth(&demo.head)
        },
        404,
        "not_found",
    )
    .await;
    both(
        || c.delete(url("/api/v1/auth/login")),
        405,
        "method_not_allowed",
    )
    .await;
    // 409: a move that does not exist from draft; a duplicate username.
    let task: Value = c
        .post(url("/api/v1/tasks"))
        .bearer_auth(&demo.head)
        .json(&json!({"title": "Nhiệm vụ thử mã lỗi"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = task["id"].as_str().unwrap().to_string();
    let (vi, _) = both(
        || {
            c.post(url(&format!("/api/v1/tasks/{id}/transitions")))
                .bearer_auth(&demo.head)
                .json(&json!({"action": "complete"}))
        },
        409,
        "illegal_transition",
    )
    .await;
    assert!(vi["allowed"].is_array());
    both(
        || {
            c.post(url("/api/v1/accounts"))
                .bearer_auth(&demo.admin)
                .json(&json!({"username": "demo.head", "role": "portal", "province": "Quảng Ninh", "password": "mật-khẩu-đủ-dài-2016"}))
        },
        409,
        "duplicate",
    )
    .await;
    // 412: a stale If-Match.
    both(
        || {
            c.post(url(&format!("/api/v1/tasks/{id}/transitions")))
                .bearer_auth(&demo.head)
                .header("if-match", "\"9\"")
                .json(&json!({"action": "cancel", "reason": "Thử"}))
        },
        412,
        "stale_version",
    )
    .await;
    // 413 and 415.
    both(
        || {
            c.post(url("/api/v1/tasks"))
                .bearer_auth(&demo.head)
                .header("content-type", "application/json")
                .body(format!(
                    "{{\"title\": \"{}\"}}",
                    "a".repeat(2 * 1024 * 1024)
                ))
        },
        413,
        "payload_too_large",
    )
    .await;
    both(
        || {
            c.post(url("/api/v1/tasks"))
                .bearer_auth(&demo.head)
                .header("content-type", "text/plain")
                .body("Nhiệm vụ")
        },
        415,
        "unsupported_media_type",
    )
    .await;
    // 422: a date in the wrong format names the format and gives an example, in the body and
    // in the query.
    let (vi, en) = both(
        || {
            c.post(url("/api/v1/tasks"))
                .bearer_auth(&demo.head)
                .json(&json!({"title": "Nhiệm vụ có hạn sai", "due_on": "31/12/2016"}))
        },
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(en["errors"][0]["code"], "invalid_date");
    assert_eq!(
        en["errors"][0]["message"],
        "must be a date YYYY-MM-DD, e.g. 2026-03-31"
    );
    assert_eq!(
        vi["errors"][0]["message"],
        "phải là ngày dạng YYYY-MM-DD, ví dụ 2026-03-31"
    );
    let (_, en) = both(
        || {
            c.get(url("/api/v1/tasks?due_to=2016-02-30"))
                .bearer_auth(&demo.head)
        },
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(en["errors"][0]["field"], "due_to");
    assert_eq!(en["errors"][0]["code"], "invalid_date");
    // 429: five wrong passwords for one username.
    for _ in 0..6 {
        c.post(url("/api/v1/auth/login"))
            .json(&json!({"username": "demo.deputy", "password": "sai-mật-khẩu"}))
            .send()
            .await
            .unwrap();
    }
    both(
        || {
            c.post(url("/api/v1/auth/login"))
                .json(&json!({"username": "demo.deputy", "password": "sai-mật-khẩu"}))
        },
        429,
        "rate_limited",
    )
    .await;
}

/// Every problem type in the spec has its code, its Vietnamese title and its meaning, and every
/// error response of every operation names the codes it can carry with an example that is one.
#[tokio::test]
async fn every_problem_type_in_the_spec_has_a_code_and_a_vietnamese_title() {
    let app = spawn_app().await;
    let spec: Value = app
        .get("/api-docs/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let code = &spec["components"]["schemas"]["Problem"]["properties"]["code"];
    let codes: Vec<&str> = code["enum"]
        .as_array()
        .expect("Problem.code is an enum")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(codes.len() >= 20, "{codes:?}");
    let about = code["description"].as_str().unwrap();
    for c in &codes {
        let kind = catalog::problem_type(c);
        assert_eq!(kind.code, *c, "{c} is not a problem type of the service");
        assert!(
            about.contains(&format!(
                "`{c}` ({}, `{}`): {}",
                kind.status,
                kind.uri(),
                kind.vi
            )),
            "{c} is not described with its status, type and Vietnamese title"
        );
        assert!(!kind.vi.is_ascii(), "{c}: {}", kind.vi);
    }
    let field_codes = &spec["components"]["schemas"]["FieldError"]["properties"]["code"]["enum"];
    assert!(field_codes.as_array().unwrap().len() >= 10);
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let Ok(s) = status.parse::<u16>() else {
                    continue;
                };
                if s < 400 {
                    continue;
                }
                let description = response["description"].as_str().unwrap_or_default();
                assert!(
                    description.contains("Problem codes: `"),
                    "{method} {path} {status}: {description}"
                );
                let example = &response["content"]["application/problem+json"]["example"];
                if example.is_object() {
                    let c = example["code"].as_str().unwrap_or_default();
                    assert!(codes.contains(&c), "{method} {path} {status}: {example}");
                    assert_eq!(example["status"], s);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} examples");
}

#[tokio::test]
async fn the_method_of_a_request_does_not_change_its_language() {
    // A refusal from the layers in front of the handlers (no token) and one from the
    // framework (an unknown route) are localised like a handler's.
    let app = spawn_app().await;
    for (method, path, code) in [
        (Method::GET, "/api/v1/không-có", "not_found"),
        (Method::POST, "/api/v1/tasks", "unauthenticated"),
    ] {
        let res = app
            .client
            .request(method, app.url(path))
            .header("accept-language", "vi")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = assert_problem(res, status).await;
        assert_eq!(body["code"], code);
        assert_eq!(body["title"], catalog::problem_type(code).vi);
    }
}

/// A list and a resource answer `304 Not Modified` to the tag they gave, and a new one once
/// something changed.
#[tokio::test]
async fn conditional_gets_answer_304_until_something_changes() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let get = |path: String, tag: Option<String>| {
        let mut r = app.client.get(app.url(&path)).bearer_auth(&demo.head);
        if let Some(t) = tag {
            r = r.header("if-none-match", t);
        }
        r.send()
    };
    let first = get("/api/v1/tasks".into(), None).await.unwrap();
    assert_eq!(first.status(), 200);
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    assert!(tag.starts_with("W/\""), "{tag}");
    let again = get("/api/v1/tasks".into(), Some(tag.clone()))
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
    assert!(again.bytes().await.unwrap().is_empty());
    // Another tag, or none, gets the whole answer.
    let other = get("/api/v1/tasks".into(), Some("W/\"khác\"".into()))
        .await
        .unwrap();
    assert_eq!(other.status(), 200);

    let created: Value = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Nhiệm vụ đồng bộ điện thoại"}),
            Some(&demo.head),
        )
        .await
        .json()
        .await
        .unwrap();
    let changed = get("/api/v1/tasks".into(), Some(tag.clone()))
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), tag);

    // A resource's tag is its version, strong, and If-None-Match compares weakly.
    let id = created["id"].as_str().unwrap();
    let one = get(format!("/api/v1/tasks/{id}"), None).await.unwrap();
    assert_eq!(one.headers()["etag"], "\"1\"");
    for t in ["\"1\"", "W/\"1\""] {
        let res = get(format!("/api/v1/tasks/{id}"), Some(t.into()))
            .await
            .unwrap();
        assert_eq!(res.status(), 304, "{t}");
    }
    // Writes are not conditional GETs: If-None-Match does not stop them.
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/tasks/{id}")))
        .bearer_auth(&demo.head)
        .header("if-none-match", "\"1\"")
        .json(&json!({"title": "Nhiệm vụ đồng bộ điện thoại (sửa)"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = get(format!("/api/v1/tasks/{id}"), Some("\"1\"".into()))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// Answers are compressed by Accept-Encoding: gzip and brotli, each read back to the same JSON.
#[tokio::test]
async fn answers_are_gzip_or_brotli_by_accept_encoding() {
    use std::io::Read;
    let app = spawn_app().await;
    let demo = app.seed_full_demo().await;
    let plain = app
        .client
        .get(app.url("/api/v1/tasks?limit=50"))
        .bearer_auth(&demo.head)
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: Value = plain.json().await.unwrap();
    for coding in ["gzip", "br"] {
        let res = app
            .client
            .get(app.url("/api/v1/tasks?limit=50"))
            .bearer_auth(&demo.head)
            .header("accept-encoding", coding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-encoding"], coding);
        assert!(
            res.headers()["vary"]
                .to_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("accept-encoding")
        );
        let packed = res.bytes().await.unwrap();
        let mut text = String::new();
        if coding == "gzip" {
            flate2::read::GzDecoder::new(&packed[..])
                .read_to_string(&mut text)
                .unwrap();
        } else {
            brotli::Decompressor::new(&packed[..], 4096)
                .read_to_string(&mut text)
                .unwrap();
        }
        assert!(
            packed.len() * 3 < text.len(),
            "{coding}: {} of {}",
            packed.len(),
            text.len()
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), plain);
    }
}

/// `/me` names the person behind the account, so an app needs no second call.
#[tokio::test]
async fn me_names_the_person_and_their_bloc() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, me) = app.get_json("/api/v1/me", &demo.deputy).await;
    let person = &me["person"];
    assert_eq!(person["staff_id"], me["staff_id"]);
    assert!(!person["full_name"].as_str().unwrap().is_ascii(), "{me}");
    assert!(person["sub_committee"]["name"].is_string(), "{me}");
    assert!(me["bloc_name"].as_str().unwrap().contains("Hải Hà"));
    let (_, admin) = app.get_json("/api/v1/me", &demo.admin).await;
    assert!(admin["person"].is_null() && admin["bloc_name"].is_null());
}

/// The four reports as Excel workbooks, read back by an independent reader (calamine): the
/// title rows name the report, the bloc and the period, the headers are Vietnamese, and the
/// figures are those of the JSON answer, as numbers.
#[tokio::test]
async fn reports_download_as_xlsx_with_the_figures_of_the_json() {
    use calamine::{Data, Reader, Xlsx};
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let app = spawn_app().await;
    let demo = app.seed_full_demo().await;
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "cong.qn")
        .await;
    let fetch = |path: &'static str, token: String| {
        let app = &app;
        async move {
            let res = app
                .client
                .get(app.url(path))
                .bearer_auth(&token)
                .header("accept", XLSX)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(res.headers()["content-type"], XLSX);
            let disposition = res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .to_string();
            assert!(disposition.contains(".xlsx"), "{disposition}");
            let bytes = res.bytes().await.unwrap().to_vec();
            let (_, json) = app.get_json(path, &token).await;
            (Xlsx::new(std::io::Cursor::new(bytes)).unwrap(), json)
        }
    };
    let text = |r: &calamine::Range<Data>, row: u32, col: u32| match r.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => format!("{other:?}"),
    };
    let num = |r: &calamine::Range<Data>, row: u32, col: u32| match r.get_value((row, col)) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    };

    // The monthly review: one row per sub-committee, then the total.
    let (mut book, json) = fetch(
        "/api/v1/reports/monthly-review?month=2016-02",
        demo.head.clone(),
    )
    .await;
    assert_eq!(
        book.sheet_names(),
        ["Theo tiểu ban", "Theo tổ chức chủ trì", "Cuộc vận động"]
    );
    let sheet = book.worksheet_range("Theo tiểu ban").unwrap();
    assert_eq!(
        text(&sheet, 0, 0),
        "Kết quả thực hiện nhiệm vụ tháng 02/2016"
    );
    assert!(text(&sheet, 1, 0).contains("Hải Hà") && text(&sheet, 1, 0).contains("01/02/2016"));
    assert_eq!(text(&sheet, 3, 0), "Tiểu ban");
    assert_eq!(text(&sheet, 3, 1), "Hoàn thành đúng hạn");
    let groups = json["by_sub_committee"].as_array().unwrap();
    assert!(!groups.is_empty());
    for (i, g) in groups.iter().enumerate() {
        let row = 4 + i as u32;
        assert_eq!(
            num(&sheet, row, 1),
            g["tasks"]["completed_on_time"].as_f64().unwrap()
        );
        assert_eq!(num(&sheet, row, 3), g["tasks"]["open"].as_f64().unwrap());
    }
    let total = 4 + groups.len() as u32;
    assert_eq!(text(&sheet, total, 0), "Tổng cộng");
    assert_eq!(
        num(&sheet, total, 1),
        json["totals"]["completed_on_time"].as_f64().unwrap()
    );
    assert_eq!(
        num(&sheet, total, 2),
        json["totals"]["completed_late"].as_f64().unwrap()
    );

    // The province summary, as the portal reads it.
    let (mut book, json) = fetch(
        "/api/v1/reports/summary?from=2016-01-01&to=2016-12-31",
        portal.clone(),
    )
    .await;
    let sheet = book.worksheet_range("Tổng hợp theo khối").unwrap();
    assert_eq!(text(&sheet, 0, 0), "Báo cáo tổng hợp tỉnh Quảng Ninh");
    let blocs = json["blocs"].as_array().unwrap();
    assert!(!blocs.is_empty());
    for (i, b) in blocs.iter().enumerate() {
        let row = 4 + i as u32;
        assert_eq!(text(&sheet, row, 0), b["name"].as_str().unwrap());
        assert_eq!(
            num(&sheet, row, 6),
            b["tasks"]["by_standing"]["total"].as_f64().unwrap()
        );
    }
    let total = 4 + blocs.len() as u32;
    assert_eq!(
        num(&sheet, total, 3),
        json["totals"]["tasks"]["overdue"].as_f64().unwrap()
    );

    // The campaign report: one row per target, the progress a percent stored as a fraction.
    let (mut book, json) = fetch(
        "/api/v1/reports/campaigns?as_of=2016-06-30",
        demo.head.clone(),
    )
    .await;
    let sheet = book.worksheet_range("Cuộc vận động").unwrap();
    assert!(text(&sheet, 1, 0).contains("30/06/2016"));
    let first = &json["items"][0];
    let target = &first["targets"][0];
    assert_eq!(text(&sheet, 4, 0), first["name"].as_str().unwrap());
    assert_eq!(text(&sheet, 4, 4), target["indicator"].as_str().unwrap());
    assert_eq!(num(&sheet, 4, 6), target["target_value"].as_f64().unwrap());
    if let Some(p) = target["percent_of_way"].as_f64() {
        assert!((num(&sheet, 4, 10) - p / 100.0).abs() < 1e-9);
    }

    // The supervision report, by quarter.
    let (mut book, json) = fetch(
        "/api/v1/reports/supervisions?from=2016-01-01&to=2016-12-31",
        demo.head.clone(),
    )
    .await;
    let sheet = book.worksheet_range("Giám sát").unwrap();
    let periods = json["items"].as_array().unwrap();
    assert_eq!(text(&sheet, 4, 0), periods[0]["period"].as_str().unwrap());
    let held: f64 = periods.iter().map(|p| p["held"].as_f64().unwrap()).sum();
    let in_sheet: f64 = (0..periods.len())
        .map(|i| num(&sheet, 4 + i as u32, 3))
        .sum();
    assert_eq!(held, in_sheet);

    // JSON stays the default, and a client that prefers JSON gets it.
    let res = app
        .client
        .get(app.url("/api/v1/reports/supervisions"))
        .bearer_auth(&demo.head)
        .header("accept", format!("application/json, {XLSX};q=0.5"))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

/// CSV with `;` for spreadsheet programs set to Vietnamese regional settings.
#[tokio::test]
async fn csv_can_be_semicolon_separated() {
    let app = spawn_app().await;
    let demo = app.seed_full_demo().await;
    let res = app
        .client
        .get(app.url("/api/v1/tasks"))
        .bearer_auth(&demo.head)
        .header("accept", "text/csv; separator=semicolon")
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = res.text().await.unwrap();
    let header = body.lines().next().unwrap();
    assert!(
        header.contains(";id;") || header.starts_with("\u{feff}id;"),
        "{header}"
    );
    assert!(!header.contains(','), "{header}");
}

/// A phone syncs what changed since its last sync and refreshes the items it holds by id; both
/// stay within the caller's scope.
#[tokio::test]
async fn lists_sync_by_updated_since_and_read_several_by_id() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let create = |title: &'static str| {
        let app = &app;
        let token = demo.head.clone();
        async move {
            let t: Value = app
                .post_json("/api/v1/tasks", &json!({"title": title}), Some(&token))
                .await
                .json()
                .await
                .unwrap();
            t
        }
    };
    let a = create("Nhiệm vụ đồng bộ A").await;
    let b = create("Nhiệm vụ đồng bộ B").await;
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    // The instant after A and B were written: only what changes from then on comes.
    let since = b["updated_at"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let c = create("Nhiệm vụ đồng bộ C").await;
    let path = format!("/api/v1/tasks?updated_since={}", since.replace('+', "%2B"));
    let (status, page) = app.get_json(&path, &demo.head).await;
    assert_eq!(status, 200, "{page}");
    let got = ids(&page);
    assert!(
        got.contains(&c["id"].as_str().unwrap().to_string()),
        "{got:?}"
    );
    assert!(
        !got.contains(&a["id"].as_str().unwrap().to_string()),
        "{got:?}"
    );

    let (_, page) = app
        .get_json(
            &format!(
                "/api/v1/tasks?ids={},{}",
                a["id"].as_str().unwrap(),
                c["id"].as_str().unwrap()
            ),
            &demo.head,
        )
        .await;
    let mut got = ids(&page);
    got.sort();
    let mut want = vec![
        a["id"].as_str().unwrap().to_string(),
        c["id"].as_str().unwrap().to_string(),
    ];
    want.sort();
    assert_eq!(got, want);

    // Another bloc's task by id is simply not there.
    let (_, other) = app
        .other_bloc(&demo.admin, "Khối xã Hạ Long", "Quảng Ninh", "ha.long.head")
        .await;
    let (_, page) = app
        .get_json(
            &format!("/api/v1/tasks?ids={}", a["id"].as_str().unwrap()),
            &other,
        )
        .await;
    assert!(ids(&page).is_empty(), "{page}");

    // Bad ids are named.
    let res = app.get("/api/v1/tasks?ids=abc", Some(&demo.head)).await;
    let p = assert_problem(res, 400).await;
    assert_eq!(
        (
            p["errors"][0]["field"].as_str(),
            p["errors"][0]["code"].as_str()
        ),
        (Some("ids"), Some("invalid_format"))
    );
    let many = vec!["019ac000-0000-7000-8000-000000000001"; 101].join(",");
    let res = app
        .get(&format!("/api/v1/tasks?ids={many}"), Some(&demo.head))
        .await;
    let p = assert_problem(res, 400).await;
    assert_eq!(p["errors"][0]["code"], "too_many");
    // The same on the other lists whose items change.
    let since_q = since.replace('+', "%2B");
    for path in [
        "/api/v1/campaigns",
        "/api/v1/directives",
        "/api/v1/dispatches",
        "/api/v1/meetings",
        "/api/v1/supervisions",
        "/api/v1/staff",
        "/api/v1/organisations",
        "/api/v1/units",
        "/api/v1/sub-committees",
        "/api/v1/unit-assignments",
        "/api/v1/me/tasks",
        "/api/v1/webhooks",
    ] {
        let (status, page) = app
            .get_json(&format!("{path}?updated_since={since_q}"), &demo.head)
            .await;
        assert_eq!(status, 200, "{path}: {page}");
    }
    for path in [
        "/api/v1/accounts",
        "/api/v1/blocs",
        "/api/v1/clients",
        "/api/v1/provinces",
    ] {
        let (status, page) = app
            .get_json(&format!("{path}?updated_since={since_q}"), &demo.admin)
            .await;
        assert_eq!(status, 200, "{path}: {page}");
    }
    let (_, blocs) = app
        .get_json(&format!("/api/v1/blocs?ids={}", demo.bloc_id), &demo.admin)
        .await;
    assert_eq!(ids(&blocs), vec![demo.bloc_id.clone()]);
    // The accounts changed since: the other bloc's head, made after `since`.
    let (_, accounts) = app
        .get_json(
            &format!("/api/v1/accounts?updated_since={since_q}"),
            &demo.admin,
        )
        .await;
    let names: Vec<&str> = accounts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"ha.long.head") && !names.contains(&"demo.head"),
        "{names:?}"
    );
}

/// Staff, who cannot read `/accounts`, see who wrote a report and who created a task, by name;
/// the admin (no staff record) is named by username.
/// A task's detail reads its creator in its own statement; its list has them named by the
/// naming layer: both answer the same person, and a corrected name shows at once.
#[tokio::test]
async fn a_task_names_its_creator_alike_in_its_detail_and_its_list() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, head_me) = app.get_json("/api/v1/me", &demo.head).await;
    let (_, orgs) = app.get_json("/api/v1/organisations", &demo.head).await;
    let lead = orgs["items"][0]["id"].clone();
    let created: Value = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Rà soát danh sách hộ cận nghèo", "lead_organisation_id": lead,
                    "due_on": "2099-12-31"}),
            Some(&demo.head),
        )
        .await
        .json()
        .await
        .unwrap();
    let (_, page) = app
        .get_json(
            &format!("/api/v1/tasks?ids={}", created["id"].as_str().unwrap()),
            &demo.head,
        )
        .await;
    let listed = page["items"][0].clone();
    assert_eq!(listed["created_by"]["account_id"], head_me["id"]);
    let path = format!("/api/v1/tasks/{}", listed["id"].as_str().unwrap());
    let (_, detail) = app.get_json(&path, &demo.head).await;
    assert_eq!(detail["created_by"], listed["created_by"]);
    assert_eq!(detail["created_by"]["id"], head_me["staff_id"]);
    assert_eq!(
        detail["created_by"]["full_name"],
        head_me["person"]["full_name"]
    );
    let staff = head_me["staff_id"].as_str().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/staff/{staff}"),
            &json!({"full_name": "Nguyễn Thế Hòa Anh"}),
            &demo.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let (_, detail) = app.get_json(&path, &demo.head).await;
    assert_eq!(detail["created_by"]["full_name"], "Nguyễn Thế Hòa Anh");
    // The list, named by the layer, says the same.
    let (_, page) = app
        .get_json(&path.replace("/tasks/", "/tasks?ids="), &demo.head)
        .await;
    assert_eq!(page["items"][0]["created_by"], detail["created_by"]);
}

#[tokio::test]
async fn people_are_named_where_they_acted() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, staff_me) = app.get_json("/api/v1/me", &demo.staff).await;
    let (_, head_me) = app.get_json("/api/v1/me", &demo.head).await;
    let (_, orgs) = app.get_json("/api/v1/organisations", &demo.head).await;
    let lead = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "fatherland_front")
        .unwrap()["id"]
        .clone();
    let task: Value = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Nhiệm vụ có người báo cáo", "description": "Rà soát hộ nghèo.",
                    "expected_result": "Danh sách hộ nghèo", "lead_organisation_id": lead,
                    "assignee_id": staff_me["staff_id"], "due_on": "2099-12-31"}),
            Some(&demo.head),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = task["id"].as_str().unwrap();
    assert_eq!(
        task["created_by"]["full_name"],
        head_me["person"]["full_name"]
    );
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{id}/transitions"),
            &json!({"action": "assign"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{id}/reports"),
            &json!({"text": "Đã rà soát 2 thôn.", "progress": 30}),
            Some(&demo.staff),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (_, reports) = app
        .get_json(&format!("/api/v1/tasks/{id}/reports"), &demo.staff)
        .await;
    let author = &reports["items"][0]["author"];
    assert_eq!(author["id"], staff_me["staff_id"]);
    assert_eq!(author["full_name"], staff_me["person"]["full_name"]);
    // The staff member reads the history's actors by name too, and cannot read /accounts.
    let (_, history) = app
        .get_json(&format!("/api/v1/tasks/{id}/history"), &demo.staff)
        .await;
    assert_eq!(
        history["items"][0]["actor"]["full_name"],
        head_me["person"]["full_name"]
    );
    assert_eq!(
        app.get("/api/v1/accounts", Some(&demo.staff))
            .await
            .status(),
        403
    );
    // The admin has no staff record: named by username.
    let client: Value = app
        .post_json(
            "/api/v1/clients",
            &json!({"name": "Cổng thông tin dân vận tỉnh Quảng Ninh", "province": "Quảng Ninh"}),
            Some(&demo.admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(client["created_by"]["full_name"], "admin", "{client}");
    assert!(client["created_by"]["id"].is_null());
    // Every audit entry's actor is a person, or null for the service's own writes.
    let (_, log) = app
        .get_json("/api/v1/audit-log?limit=200", &demo.admin)
        .await;
    let entries = log["items"].as_array().unwrap();
    for e in entries {
        assert!(
            e["actor"].is_null() || e["actor"]["account_id"].is_string(),
            "{e}"
        );
    }
}
