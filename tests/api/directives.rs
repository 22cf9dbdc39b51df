//! Directive documents: numbers parsed as written, unique per bloc and issuer, seeded from the
//! article.
use crate::helpers::{assert_problem, etag, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn the_seed_has_the_three_directives_of_the_article() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, list) = app
        .get_json("/api/v1/directives?sort=issued_on", &demo.staff)
        .await;
    let numbers: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["111-QĐ/TU", "265-QĐ/HU", "292-QĐ/HU"]);
    let first = &list["items"][0];
    assert_eq!(first["issuer"], "TU");
    assert_eq!(first["issuer_name"], "provincial Party committee");
    assert_eq!(first["kind"], "decision");
    assert_eq!(first["issued_on"], "2015-12-29");
    let (_, by_issuer) = app
        .get_json("/api/v1/directives?issuer=hu", &demo.staff)
        .await;
    assert_eq!(by_issuer["items"].as_array().unwrap().len(), 2);
    let (_, found) = app
        .get_json("/api/v1/directives?q=quy che to chuc", &demo.staff)
        .await;
    assert_eq!(found["items"][0]["number"], "292-QĐ/HU");
    let (_, found) = app.get_json("/api/v1/directives?q=292", &demo.staff).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, range) = app
        .get_json(
            "/api/v1/directives?issued_from=2016-01-01&issued_to=2016-12-31",
            &demo.staff,
        )
        .await;
    assert_eq!(range["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn numbers_are_parsed_and_malformed_ones_refused() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let res = app
        .post_json("/api/v1/directives", &json!({"number": "05-ct/tw", "issued_on": "2016-05-15", "title": "Về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"}), Some(&demo.deputy))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(etag(&res), "\"1\"");
    let d: Value = res.json().await.unwrap();
    assert_eq!(
        (
            d["number"].as_str(),
            d["serial"].as_i64(),
            d["doc_type"].as_str(),
            d["issuer"].as_str(),
            d["kind"].as_str()
        ),
        (
            Some("05-CT/TW"),
            Some(5),
            Some("CT"),
            Some("TW"),
            Some("directive")
        )
    );
    let res = app
        .post_json(
            "/api/v1/directives",
            &json!({"number": "45/2016/QĐ-UBND", "title": "Quyết định của Ủy ban nhân dân tỉnh"}),
            Some(&demo.head),
        )
        .await;
    let d: Value = res.json().await.unwrap();
    assert_eq!(
        (d["issuer"].as_str(), d["issuer_name"].as_str()),
        (Some("UBND"), Some("People's Committee"))
    );
    for bad in ["292", "QĐ/HU", "292-QĐ", "số 292", ""] {
        let res = app
            .post_json(
                "/api/v1/directives",
                &json!({"number": bad, "title": "Sai số hiệu"}),
                Some(&demo.head),
            )
            .await;
        let body = assert_problem(res, 422).await;
        assert_eq!(body["errors"][0]["field"], "number", "{bad:?}");
    }
}

#[tokio::test]
async fn a_number_is_unique_per_bloc_issuer_and_year() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let res = app
        .post_json(
            "/api/v1/directives",
            &json!({"number": "292-qđ/hu", "issued_on": "2016-03-01", "title": "Trùng số"}),
            Some(&demo.head),
        )
        .await;
    assert_problem(res, 409).await;
    // The same number by another issuer, or in a new term, is another document.
    let res = app
        .post_json(
            "/api/v1/directives",
            &json!({"number": "292-QĐ/TU", "issued_on": "2016-03-01", "title": "Của Tỉnh ủy"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post_json(
            "/api/v1/directives",
            &json!({"number": "292-QĐ/HU", "issued_on": "2021-03-01", "title": "Nhiệm kỳ mới"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    // Another bloc may use the same number.
    let (_, other) = app
        .other_bloc(
            &demo.admin,
            "Khối xã Quảng Đức",
            "Quảng Ninh",
            "quang.duc.head",
        )
        .await;
    let res = app.post_json("/api/v1/directives", &json!({"number": "292-QĐ/HU", "issued_on": "2016-01-08", "title": "Cùng số, khối khác"}), Some(&other)).await;
    assert_eq!(res.status(), 201);
    let d: Value = res.json().await.unwrap();
    // ... and neither bloc sees the other's.
    assert_problem(
        app.get(
            &format!("/api/v1/directives/{}", d["id"].as_str().unwrap()),
            Some(&demo.head),
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn only_the_head_and_deputies_record_directives() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let body = json!({"number": "10-KH/HU", "title": "Kế hoạch"});
    assert_problem(
        app.post_json("/api/v1/directives", &body, Some(&demo.staff))
            .await,
        403,
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/directives", &body, Some(&demo.admin))
            .await,
        403,
    )
    .await;
    let id = app.first_id("/api/v1/directives", &demo.head).await;
    assert_problem(
        app.patch_json(
            &format!("/api/v1/directives/{id}"),
            &json!({"title": "x"}),
            &demo.staff,
            None,
        )
        .await,
        403,
    )
    .await;
    let res = app
        .patch_json(
            &format!("/api/v1/directives/{id}"),
            &json!({"summary": "Thành lập cơ quan Khối."}),
            &demo.deputy,
            Some("\"1\""),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_problem(
        app.patch_json(
            &format!("/api/v1/directives/{id}"),
            &json!({"summary": "cũ"}),
            &demo.deputy,
            Some("\"1\""),
        )
        .await,
        412,
    )
    .await;
}
