//! Campaigns with measurable targets: the article's figures reproduced through the API,
//! progress and on-track on several dates, corrections that supersede, bad input, role rules.
use crate::helpers::{Demo, TestApp, assert_problem, etag, spawn_app};
use serde_json::{Value, json};
use std::collections::HashMap;

async fn ids(app: &TestApp, path: &str, key: &str, token: &str) -> HashMap<String, String> {
    let (status, body) = app.get_json(path, token).await;
    assert_eq!(status, 200, "{path}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i[key].as_str().unwrap().to_string(),
                i["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn units(app: &TestApp, demo: &Demo) -> HashMap<String, String> {
    ids(app, "/api/v1/units?limit=200", "name", &demo.staff).await
}

async fn orgs(app: &TestApp, demo: &Demo) -> HashMap<String, String> {
    ids(app, "/api/v1/organisations", "code", &demo.staff).await
}

async fn created(app: &TestApp, path: &str, body: Value, token: &str) -> Value {
    let res = app.post_json(path, &body, Some(token)).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "POST {path}: {body}");
    body
}

async fn progress(app: &TestApp, campaign: &str, as_of: &str, token: &str) -> Value {
    let (status, body) = app
        .get_json(
            &format!("/api/v1/campaigns/{campaign}/progress?as_of={as_of}"),
            token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn target<'a>(p: &'a Value, indicator: &str) -> &'a Value {
    p["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["indicator"] == indicator)
        .unwrap_or_else(|| panic!("no target {indicator} in {p}"))
}

/// A new campaign of the bloc, led by MTTQ, over 2016–2017.
async fn new_campaign(app: &TestApp, demo: &Demo, name: &str) -> String {
    let o = orgs(app, demo).await;
    let c = created(
        app,
        "/api/v1/campaigns",
        json!({"name": name, "kind": "drive", "lead_organisation_id": o["MTTQ"],
               "participating_organisation_ids": [o["HND"], o["HLHPN"]],
               "start_on": "2016-01-01", "end_on": "2017-12-31", "status": "active"}),
        &demo.head,
    )
    .await;
    c["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_seed_has_the_three_campaigns_with_the_articles_figures() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, list) = app.get_json("/api/v1/campaigns", &demo.staff).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh",
            "Ngày vì người nghèo năm 2016",
            "Đền ơn đáp nghĩa năm 2016"
        ]
    );
    let id = list["items"][0]["id"].as_str().unwrap();
    let p = progress(&app, id, "2016-06-30", &demo.staff).await;
    let h = target(&p, "Tỷ lệ hộ đạt danh hiệu gia đình văn hóa");
    assert_eq!(h["value"], 82.0);
    assert_eq!(h["units_reporting"], 16);
    let a = target(&p, "Tỷ lệ khu dân cư đạt danh hiệu khu dân cư văn hóa");
    assert_eq!(a["value"], 83.0);
    let n = target(&p, "Số xã được công nhận đạt chuẩn nông thôn mới");
    assert_eq!(
        (n["value"].as_f64(), n["units_met"].as_i64()),
        (Some(4.0), Some(4))
    );
    assert_eq!(n["units_in_scope"], 15, "the town is not a commune");
    assert_eq!(n["target_value"], 6.0);
    // Before anything was reported there is no figure, and every unit is missing.
    let p = progress(&app, id, "2016-03-31", &demo.staff).await;
    let h = target(&p, "Tỷ lệ hộ đạt danh hiệu gia đình văn hóa");
    assert!(h["value"].is_null() && h["on_track"].is_null());
    assert_eq!(h["not_reported"].as_array().unwrap().len(), 16);
    // The portal of the province sees the same headline figures.
    let (status, report) = app
        .get_json("/api/v1/reports/campaigns?as_of=2016-06-30", &demo.head)
        .await;
    assert_eq!(status, 200);
    let first = &report["items"][0];
    assert_eq!(first["name"], names[0]);
    let values: Vec<f64> = first["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [82.0, 83.0, 4.0]);
    let (_, regs) = app
        .get_json(
            &format!("/api/v1/campaigns/{id}/registrations"),
            &demo.staff,
        )
        .await;
    assert_eq!(regs["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_articles_figures_through_the_api_with_progress_on_several_dates() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let u = units(&app, &demo).await;
    let id = new_campaign(&app, &demo, "Xây dựng nông thôn mới giai đoạn 2016–2017").await;
    let base = format!("/api/v1/campaigns/{id}/targets");
    let households = created(
        &app,
        &base,
        json!({"indicator": "Tỷ lệ hộ gia đình văn hóa", "measure": "percent", "aggregation": "ratio",
               "baseline_value": 78, "baseline_on": "2016-01-01", "target_value": 86, "due_on": "2017-12-31"}),
        &demo.head,
    )
    .await;
    let communes = created(
        &app,
        &base,
        json!({"indicator": "Xã nông thôn mới", "measure": "units", "aggregation": "count_true",
               "unit_kind": "commune", "baseline_value": 4, "baseline_on": "2016-06-30",
               "target_value": 6, "due_on": "2017-12-31"}),
        &demo.head,
    )
    .await;
    let h_path = format!("{base}/{}/measurements", households["id"].as_str().unwrap());
    let c_path = format!("{base}/{}/measurements", communes["id"].as_str().unwrap());
    // Two units: 1,700 of 2,000 and 2,400 of 3,000 cultured households is 4,100 of 5,000: 82%.
    for (unit, n, d) in [("Quảng Hà", 1700, 2000), ("Quảng Đức", 2400, 3000)] {
        let figure = created(
            &app,
            &h_path,
            json!({"unit_id": u[unit], "measured_on": "2016-06-30", "numerator": n, "denominator": d,
                   "source": "Báo cáo của UBND",
                   "evidence": ["https://haiha.quangninh.gov.vn/bao-cao/van-hoa-6-thang.pdf"]}),
            &demo.staff,
        )
        .await;
        // Evidence is a list of links, as on a task report.
        assert_eq!(
            figure["evidence"],
            json!(["https://haiha.quangninh.gov.vn/bao-cao/van-hoa-6-thang.pdf"])
        );
    }
    let communes_list: Vec<&str> = [
        "Quảng Đức",
        "Quảng Sơn",
        "Quảng Thành",
        "Quảng Thịnh",
        "Quảng Minh",
        "Quảng Chính",
        "Quảng Long",
        "Quảng Phong",
        "Quảng Điền",
        "Quảng Trung",
        "Quảng Thắng",
        "Đường Hoa",
        "Tiến Tới",
        "Phú Hải",
        "Cái Chiên",
    ]
    .to_vec();
    for (i, name) in communes_list.iter().enumerate() {
        created(
            &app,
            &c_path,
            json!({"unit_id": u[*name], "measured_on": "2016-06-30", "met": i < 4}),
            &demo.staff,
        )
        .await;
    }
    let p = progress(&app, &id, "2016-06-30", &demo.staff).await;
    let h = target(&p, "Tỷ lệ hộ gia đình văn hóa");
    assert_eq!(h["value"], 82.0);
    assert_eq!(
        (h["numerator"].as_f64(), h["denominator"].as_f64()),
        (Some(4100.0), Some(5000.0))
    );
    assert_eq!(h["percent_of_way"], 50.0, "78 → 86, at 82");
    let c = target(&p, "Xã nông thôn mới");
    assert_eq!(
        (c["value"].as_f64(), c["units_in_scope"].as_i64()),
        (Some(4.0), Some(15))
    );
    assert_eq!(c["percent_of_way"], 0.0);
    assert_eq!(c["on_track"], true, "on the baseline date, at the baseline");
    // Half a year later nobody new is recognised: behind the straight line to 6.
    let p = progress(&app, &id, "2016-12-31", &demo.staff).await;
    let c = target(&p, "Xã nông thôn mới");
    assert_eq!(c["value"], 4.0);
    assert_eq!(c["on_track"], false);
    assert!(c["expected_value"].as_f64().unwrap() > 4.6);
    assert_eq!(
        c["not_reported"].as_array().unwrap().len(),
        15,
        "nothing since December"
    );
    // Two more communes are recognised in 2017: 4 of 15 becomes 6.
    for (name, day) in [("Quảng Phong", "2017-06-15"), ("Quảng Minh", "2017-11-20")] {
        created(
            &app,
            &c_path,
            json!({"unit_id": u[name], "measured_on": day, "met": true}),
            &demo.staff,
        )
        .await;
    }
    let p = progress(&app, &id, "2017-06-30", &demo.staff).await;
    assert_eq!(target(&p, "Xã nông thôn mới")["value"], 5.0);
    let p = progress(&app, &id, "2017-12-31", &demo.staff).await;
    let c = target(&p, "Xã nông thôn mới");
    assert_eq!(c["value"], 6.0);
    assert_eq!(c["percent_of_way"], 100.0);
    assert_eq!(c["on_track"], true);
    let series: Vec<(String, f64)> = c["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["month"].as_str().unwrap().to_string(),
                p["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(series.len(), 19, "June 2016 to December 2017");
    assert_eq!(series[0], ("2016-06".to_string(), 4.0));
    assert_eq!(series[12], ("2017-06".to_string(), 5.0));
    assert_eq!(series[18], ("2017-12".to_string(), 6.0));
    let breakdown = c["units"].as_array().unwrap();
    assert_eq!(breakdown.len(), 15);
    let phong = breakdown
        .iter()
        .find(|x| x["unit_name"] == "Quảng Phong")
        .unwrap();
    assert_eq!(
        (phong["met"].as_bool(), phong["measured_on"].as_str()),
        (Some(true), Some("2017-06-15"))
    );
    // Only the two recognised in 2017 have reported since June.
    let p = app
        .get_json(
            &format!("/api/v1/campaigns/{id}/progress?as_of=2017-12-31&reported_from=2017-06-01"),
            &demo.staff,
        )
        .await
        .1;
    let c = target(&p, "Xã nông thôn mới");
    assert_eq!(c["not_reported"].as_array().unwrap().len(), 13);
}

#[tokio::test]
async fn a_correction_supersedes_the_old_figure_which_stays_in_the_history() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let u = units(&app, &demo).await;
    let id = new_campaign(&app, &demo, "Gia đình văn hóa 2016").await;
    let t = created(
        &app,
        &format!("/api/v1/campaigns/{id}/targets"),
        json!({"indicator": "Hộ gia đình văn hóa", "measure": "percent", "aggregation": "ratio",
               "baseline_value": 80, "target_value": 85, "due_on": "2016-12-31"}),
        &demo.head,
    )
    .await;
    let path = format!(
        "/api/v1/campaigns/{id}/targets/{}/measurements",
        t["id"].as_str().unwrap()
    );
    let wrong = created(
        &app,
        &path,
        json!({"unit_id": u["Quảng Long"], "measured_on": "2016-06-30", "numerator": 1500, "denominator": 1820}),
        &demo.staff,
    )
    .await;
    let wrong_id = wrong["id"].as_str().unwrap();
    let fixed = created(
        &app,
        &path,
        // Dated before the figure it corrects: only the supersession, not a newer date, can
        // make it the one that counts.
        json!({"unit_id": u["Quảng Long"], "measured_on": "2016-06-20", "numerator": 1492, "denominator": 1820,
               "supersedes_id": wrong_id, "note": "Sửa số liệu theo báo cáo chính thức"}),
        &demo.staff,
    )
    .await;
    assert_eq!(fixed["supersedes_id"], wrong_id);
    let p = progress(&app, &id, "2016-07-01", &demo.staff).await;
    let h = &p["targets"][0];
    assert_eq!(
        h["numerator"], 1492.0,
        "the corrected figure counts, the old one does not"
    );
    assert_eq!(h["units_reporting"], 1);
    // The history keeps both; the old one names its correction.
    let (_, all) = app.get_json(&path, &demo.staff).await;
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["superseded_by"], fixed["id"]);
    assert_eq!(items[0]["numerator"], 1500.0, "never overwritten");
    let (_, current) = app
        .get_json(&format!("{path}?current_only=true"), &demo.staff)
        .await;
    assert_eq!(current["items"].as_array().unwrap().len(), 1);
    // Correcting the old one again is refused: correct the latest.
    let res = app
        .post_json(
            &path,
            &json!({"unit_id": u["Quảng Long"], "measured_on": "2016-06-30", "numerator": 1490,
                    "denominator": 1820, "supersedes_id": wrong_id}),
            Some(&demo.staff),
        )
        .await;
    assert_problem(res, 409).await;
    // A correction is for the same unit.
    let res = app
        .post_json(
            &path,
            &json!({"unit_id": u["Quảng Sơn"], "measured_on": "2016-06-30", "numerator": 1, "denominator": 2,
                    "supersedes_id": fixed["id"]}),
            Some(&demo.staff),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "supersedes_id");
    // Retrying from the field with the same key records once.
    let body = json!({"unit_id": u["Quảng Sơn"], "measured_on": "2016-06-30", "numerator": 1419, "denominator": 1730});
    let mut statuses = vec![];
    for _ in 0..2 {
        let res = app
            .client
            .post(app.url(&path))
            .bearer_auth(&demo.staff)
            .header("idempotency-key", "quang-son-2016-06")
            .json(&body)
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [201, 201]);
    let (_, son) = app
        .get_json(&format!("{path}?unit_id={}", u["Quảng Sơn"]), &demo.staff)
        .await;
    assert_eq!(son["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_figures_are_422_naming_the_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let u = units(&app, &demo).await;
    let id = new_campaign(&app, &demo, "Phong trào thi đua 2016–2017").await;
    let base = format!("/api/v1/campaigns/{id}/targets");
    let ratio = created(
        &app,
        &base,
        json!({"indicator": "Hộ văn hóa", "measure": "percent", "aggregation": "ratio",
               "target_value": 85, "due_on": "2017-12-31"}),
        &demo.head,
    )
    .await;
    let money = created(
        &app,
        &base,
        json!({"indicator": "Quỹ vì người nghèo", "measure": "vnd", "aggregation": "sum",
               "target_value": 1500000000, "due_on": "2017-12-31"}),
        &demo.head,
    )
    .await;
    let percent = created(
        &app,
        &base,
        json!({"indicator": "Tỷ lệ hộ nghèo", "measure": "percent", "aggregation": "average",
               "baseline_value": 12, "target_value": 8, "higher_is_better": false, "due_on": "2017-12-31"}),
        &demo.head,
    )
    .await;
    let m = |t: &Value| format!("{base}/{}/measurements", t["id"].as_str().unwrap());
    let (other_bloc, other_head) = app
        .other_bloc(&demo.admin, "Khối xã Quảng Chính", "Quảng Ninh", "qc.head")
        .await;
    let other_unit = created(
        &app,
        "/api/v1/units",
        json!({"name": "Thôn 1", "kind": "village"}),
        &other_head,
    )
    .await;
    let _ = other_bloc;
    let qh = &u["Quảng Hà"];
    let cases: Vec<(String, Value, &str)> = vec![
        (
            m(&percent),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "value": 101}),
            "value",
        ),
        (
            m(&percent),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "value": -1}),
            "value",
        ),
        (
            m(&ratio),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "numerator": 2001, "denominator": 2000}),
            "numerator",
        ),
        (
            m(&ratio),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "numerator": 1, "denominator": 0}),
            "denominator",
        ),
        (
            m(&ratio),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "numerator": -5, "denominator": 10}),
            "numerator",
        ),
        (
            m(&ratio),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "value": 82}),
            "value",
        ),
        (
            m(&ratio),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "numerator": 5}),
            "denominator",
        ),
        (
            m(&money),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "value": -100000}),
            "value",
        ),
        (
            m(&money),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "value": 1000.5}),
            "value",
        ),
        (
            m(&money),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "met": true}),
            "met",
        ),
        (
            m(&money),
            json!({"unit_id": qh, "measured_on": "2015-12-31", "value": 1000}),
            "measured_on",
        ),
        (
            m(&money),
            json!({"unit_id": qh, "measured_on": "2018-01-01", "value": 1000}),
            "measured_on",
        ),
        (
            m(&money),
            json!({"unit_id": other_unit["id"], "measured_on": "2016-06-30", "value": 1000}),
            "unit_id",
        ),
        (
            m(&money),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "value": "nhiều"}),
            "value",
        ),
        (
            m(&money),
            json!({"unit_id": qh, "measured_on": "30/06/2016", "value": 1}),
            "measured_on",
        ),
        (
            m(&money),
            json!({"unit_id": qh, "measured_on": "2016-06-30", "value": 1, "evidence": ["https://haiha.gov.vn/a.pdf", "ftp://x"]}),
            "evidence[1]",
        ),
        (
            base.clone(),
            json!({"indicator": "Tỷ lệ", "measure": "percent", "aggregation": "sum", "target_value": 120, "due_on": "2017-12-31"}),
            "target_value",
        ),
        (
            base.clone(),
            json!({"indicator": "Số hộ", "measure": "count", "aggregation": "sum", "target_value": -3, "due_on": "2017-12-31"}),
            "target_value",
        ),
        (
            base.clone(),
            json!({"indicator": "Số hộ", "measure": "count", "aggregation": "sum", "target_value": 30, "due_on": "2018-06-30"}),
            "due_on",
        ),
        (
            base.clone(),
            json!({"indicator": "Số hộ", "measure": "count", "aggregation": "ratio", "target_value": 30, "due_on": "2017-06-30"}),
            "measure",
        ),
        (
            base.clone(),
            json!({"indicator": "Số hộ", "measure": "count", "aggregation": "sum", "target_value": 30, "due_on": "2017-06-30", "unit_kind": "planet"}),
            "unit_kind",
        ),
        (
            base.clone(),
            json!({"indicator": "Số hộ", "measure": "litres", "aggregation": "sum", "target_value": 30, "due_on": "2017-06-30"}),
            "measure",
        ),
    ];
    for (path, body, field) in cases {
        let token = if path.ends_with("/measurements") {
            &demo.staff
        } else {
            &demo.head
        };
        let res = app.post_json(&path, &body, Some(token)).await;
        let p = assert_problem(res, 422).await;
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .map(|e| e.iter().map(|x| x["field"].as_str().unwrap()).collect())
            .unwrap_or_default();
        assert!(fields.contains(&field), "{body}: expected {field}, got {p}");
    }
    // A unit that is not a commune on a commune target.
    let communes = created(
        &app,
        &base,
        json!({"indicator": "Xã nông thôn mới", "measure": "units", "aggregation": "count_true",
               "unit_kind": "commune", "target_value": 6, "due_on": "2017-12-31"}),
        &demo.head,
    )
    .await;
    let res = app
        .post_json(
            &m(&communes),
            &json!({"unit_id": qh, "measured_on": "2016-06-30", "met": true}),
            Some(&demo.staff),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "unit_id");
    // Dates out of order on the campaign itself.
    let o = orgs(&app, &demo).await;
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &json!({"name": "Sai ngày", "kind": "movement", "lead_organisation_id": o["MTTQ"],
                    "start_on": "2016-12-31", "end_on": "2016-01-01"}),
            Some(&demo.head),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "end_on");
    // Nothing of the above was written.
    for t in [&ratio, &money, &percent, &communes] {
        let (_, list) = app.get_json(&m(t), &demo.staff).await;
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            0,
            "{}",
            t["indicator"]
        );
    }
    let (_, targets) = app.get_json(&base, &demo.staff).await;
    assert_eq!(targets["items"].as_array().unwrap().len(), 4);
    // The campaign can't shrink past its figures' dates once it has them.
    created(
        &app,
        &m(&money),
        json!({"unit_id": qh, "measured_on": "2016-03-31", "value": 25000000}),
        &demo.staff,
    )
    .await;
    let res = app
        .get(&format!("/api/v1/campaigns/{id}"), Some(&demo.head))
        .await;
    let v = etag(&res);
    let res = app
        .patch_json(
            &format!("/api/v1/campaigns/{id}"),
            &json!({"start_on": "2016-06-01"}),
            &demo.head,
            Some(&v),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "start_on");
}

#[tokio::test]
async fn who_runs_a_campaign_and_who_collects_its_figures() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let o = orgs(&app, &demo).await;
    let u = units(&app, &demo).await;
    let body = |lead: &str, name: &str| {
        json!({"name": name, "kind": "movement", "lead_organisation_id": o[lead],
               "start_on": "2016-01-01", "end_on": "2016-12-31"})
    };
    // demo.deputy leads the Veterans' Association (CCB), not the Front committee.
    let res = app
        .post_json(
            "/api/v1/campaigns",
            &body("MTTQ", "Của Mặt trận"),
            Some(&demo.deputy),
        )
        .await;
    assert_problem(res, 403).await;
    let ccb = created(
        &app,
        "/api/v1/campaigns",
        body("CCB", "Cựu chiến binh gương mẫu"),
        &demo.deputy,
    )
    .await;
    let ccb_id = ccb["id"].as_str().unwrap();
    for token in [&demo.staff, &demo.admin] {
        let res = app
            .post_json("/api/v1/campaigns", &body("CCB", "Không được"), Some(token))
            .await;
        assert_problem(res, 403).await;
    }
    let mttq = created(
        &app,
        "/api/v1/campaigns",
        body("MTTQ", "Của Mặt trận"),
        &demo.head,
    )
    .await;
    let mttq_id = mttq["id"].as_str().unwrap();
    // The deputy changes their own campaign, not the Front's.
    let res = app
        .patch_json(
            &format!("/api/v1/campaigns/{mttq_id}"),
            &json!({"status": "active"}),
            &demo.deputy,
            None,
        )
        .await;
    assert_problem(res, 403).await;
    let res = app
        .patch_json(
            &format!("/api/v1/campaigns/{ccb_id}"),
            &json!({"status": "active"}),
            &demo.deputy,
            Some("\"1\""),
        )
        .await;
    assert_eq!(res.status(), 200);
    // Stale If-Match.
    let res = app
        .patch_json(
            &format!("/api/v1/campaigns/{ccb_id}"),
            &json!({"description": "Mô tả"}),
            &demo.deputy,
            Some("\"1\""),
        )
        .await;
    assert_problem(res, 412).await;
    // Targets: the campaign's leaders only.
    let t = json!({"indicator": "Hội viên gương mẫu", "measure": "count", "aggregation": "sum",
                   "target_value": 500, "due_on": "2016-12-31"});
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{mttq_id}/targets"),
            &t,
            Some(&demo.deputy),
        )
        .await;
    assert_problem(res, 403).await;
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{ccb_id}/targets"),
            &t,
            Some(&demo.staff),
        )
        .await;
    assert_problem(res, 403).await;
    let target = created(
        &app,
        &format!("/api/v1/campaigns/{ccb_id}/targets"),
        t,
        &demo.deputy,
    )
    .await;
    // Every cadre records figures; the portal and the admin do not.
    let path = format!(
        "/api/v1/campaigns/{ccb_id}/targets/{}/measurements",
        target["id"].as_str().unwrap()
    );
    let fig = json!({"unit_id": u["Quảng Phong"], "measured_on": "2016-05-31", "value": 42});
    created(&app, &path, fig.clone(), &demo.staff).await;
    let res = app.post_json(&path, &fig, Some(&demo.admin)).await;
    assert_problem(res, 403).await;
    // Registrations: any cadre registers; recognising is the leaders' call.
    let reg = created(
        &app,
        &format!("/api/v1/campaigns/{ccb_id}/registrations"),
        json!({"unit_id": u["Quảng Phong"], "title": "Mô hình \"Dân vận khéo\" của chi hội Cựu chiến binh", "registered_on": "2016-04-01"}),
        &demo.staff,
    )
    .await;
    let reg_path = format!(
        "/api/v1/campaigns/{ccb_id}/registrations/{}",
        reg["id"].as_str().unwrap()
    );
    let res = app
        .patch_json(
            &reg_path,
            &json!({"status": "recognised"}),
            &demo.staff,
            None,
        )
        .await;
    assert_problem(res, 403).await;
    let res = app
        .patch_json(
            &reg_path,
            &json!({"status": "recognised"}),
            &demo.deputy,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .patch_json(
            &reg_path,
            &json!({"status": "registered"}),
            &demo.head,
            None,
        )
        .await;
    let p = assert_problem(res, 409).await;
    assert_eq!(p["allowed"], json!(["withdrawn"]));
    let res = app
        .post_json(
            &format!("/api/v1/campaigns/{ccb_id}/registrations"),
            &json!({"unit_id": u["Quảng Phong"], "organisation_id": o["CCB"], "title": "Cả hai", "registered_on": "2016-04-01"}),
            Some(&demo.staff),
        )
        .await;
    assert_problem(res, 422).await;
    // Status moves: an illegal one lists the allowed ones; a closed campaign takes no figures.
    let res = app
        .patch_json(
            &format!("/api/v1/campaigns/{ccb_id}"),
            &json!({"status": "planned"}),
            &demo.head,
            None,
        )
        .await;
    let p = assert_problem(res, 409).await;
    assert_eq!(p["allowed"], json!(["closed"]));
    let res = app
        .patch_json(
            &format!("/api/v1/campaigns/{ccb_id}"),
            &json!({"status": "closed"}),
            &demo.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app.post_json(&path, &fig, Some(&demo.staff)).await;
    assert_problem(res, 409).await;
    // Tasks link to a campaign of the bloc and are counted on it.
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Tổ chức tuyên dương cựu chiến binh gương mẫu", "campaign_id": mttq_id,
                    "lead_organisation_id": o["MTTQ"], "due_on": "2016-03-01"}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (_, c) = app
        .get_json(&format!("/api/v1/campaigns/{mttq_id}"), &demo.staff)
        .await;
    assert_eq!(
        (c["open_tasks"].as_i64(), c["overdue_tasks"].as_i64()),
        (Some(1), Some(1))
    );
    let (_, tasks) = app
        .get_json(&format!("/api/v1/tasks?campaign_id={mttq_id}"), &demo.staff)
        .await;
    assert_eq!(tasks["items"].as_array().unwrap().len(), 1);
    // Another bloc's campaign does not exist, for reading or for linking.
    let (_, other_head) = app
        .other_bloc(&demo.admin, "Khối huyện Đầm Hà", "Quảng Ninh", "dh.head")
        .await;
    let (status, _) = app
        .get_json(&format!("/api/v1/campaigns/{mttq_id}"), &other_head)
        .await;
    assert_eq!(status, 404);
    let res = app
        .get(
            &format!("/api/v1/campaigns/{mttq_id}/progress"),
            Some(&other_head),
        )
        .await;
    assert_problem(res, 404).await;
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Nhiệm vụ của khối khác", "campaign_id": mttq_id}),
            Some(&other_head),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "campaign_id");
}

/// A monthly reporting round in one request (issue 14): a list of figures, all or none, each
/// item's problems named by its index.
#[tokio::test]
async fn a_reporting_round_is_one_request_all_or_nothing() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let u = units(&app, &demo).await;
    let id = new_campaign(&app, &demo, "Quỹ vì người nghèo 2016").await;
    let t = created(
        &app,
        &format!("/api/v1/campaigns/{id}/targets"),
        json!({"indicator": "Quỹ vì người nghèo", "measure": "vnd", "aggregation": "sum",
               "target_value": 1500000000, "due_on": "2017-12-31"}),
        &demo.head,
    )
    .await;
    let path = format!(
        "/api/v1/campaigns/{id}/targets/{}/measurements",
        t["id"].as_str().unwrap()
    );
    let mut names: Vec<&String> = u.keys().collect();
    names.sort();
    let round = |as_of: &str| -> Vec<Value> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"unit_id": u[*n], "measured_on": as_of, "value": 1_000_000 * (i + 1), "source": "Báo cáo tháng của xã"}))
            .collect()
    };
    let count = async || {
        let (_, p) = app
            .get_json(&format!("{path}?limit=200"), &demo.staff)
            .await;
        p["items"].as_array().unwrap().len()
    };

    // One bad figure (index 3: a day in the future) and one bad field (index 5): nothing is
    // written, and both are named.
    let mut bad = round("2016-01-31");
    bad[3]["measured_on"] = json!("2099-01-31");
    bad[5]["value"] = json!("nhiều");
    let res = app.post_json(&path, &json!(bad), Some(&demo.staff)).await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "[5].value", "{p}");
    bad[5]["value"] = json!(5_000_000);
    let res = app.post_json(&path, &json!(bad), Some(&demo.staff)).await;
    let p = assert_problem(res, 422).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["[3].measured_on"], "{p}");
    assert_eq!(count().await, 0);
    for body in [json!([]), json!(vec![round("2016-01-31")[0].clone(); 1001])] {
        let res = app.post_json(&path, &body, Some(&demo.staff)).await;
        let p = assert_problem(res, 422).await;
        assert!(
            p["detail"].as_str().unwrap().contains("1000")
                || p["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("1 to 1000"),
            "{p}"
        );
    }
    assert_eq!(count().await, 0);

    // The whole round, by a cadre, in one request; the portal is refused.
    let res = app
        .post_json(&path, &json!(round("2016-01-31")), Some(&demo.staff))
        .await;
    assert_eq!(res.status(), 201);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["items"].as_array().unwrap().len(), names.len());
    assert_eq!(done["items"][2]["value"], json!(3_000_000.0));
    assert_eq!(count().await, names.len());
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "cong.tinh")
        .await;
    let res = app
        .post_json(&path, &json!(round("2016-02-29")), Some(&portal))
        .await;
    assert_problem(res, 403).await;
    assert_eq!(count().await, names.len());
}
