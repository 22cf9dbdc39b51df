//! The province summary: every bloc of the province side by side, with the figures each bloc
//! sees for itself, scoped like everything else.
use crate::helpers::{TestApp, assert_problem, spawn_app};
use serde_json::{Value, json};

async fn count(app: &TestApp, path: &str, token: &str) -> i64 {
    let mut n = 0;
    let mut cursor = String::new();
    loop {
        let (status, page) = app
            .get_json(&format!("{path}&limit=200{cursor}"), token)
            .await;
        assert_eq!(status, 200, "{path}: {page}");
        n += page["items"].as_array().unwrap().len() as i64;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return n,
        }
    }
}

#[tokio::test]
async fn the_portal_sees_its_provinces_blocs_side_by_side_with_their_own_figures() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (dai_binh, dai_binh_head) = app
        .other_bloc(
            &demo.admin,
            "Khối xã Đại Bình",
            "Quảng Ninh",
            "dai.binh.head",
        )
        .await;
    let (_, lang_son_head) = app
        .other_bloc(
            &demo.admin,
            "Khối xã Tân Thành",
            "Lạng Sơn",
            "tan.thanh.head",
        )
        .await;
    for (token, title) in [
        (&demo.head, "Tổng kết 10 năm cuộc vận động"),
        (&demo.head, "Hướng dẫn Hội nghị đại biểu nhân dân"),
        (&dai_binh_head, "Vận động quỹ Vì người nghèo"),
        (&dai_binh_head, "Rà soát hộ cận nghèo"),
        (&lang_son_head, "Nhiệm vụ của tỉnh khác"),
    ] {
        let res = app
            .post_json("/api/v1/tasks", &json!({"title": title}), Some(token))
            .await;
        assert_eq!(res.status(), 201);
    }
    let org = app.first_id("/api/v1/organisations", &demo.head).await;
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({"title": "Vận động hội viên tham gia bảo hiểm y tế", "lead_organisation_id": org}),
            Some(&demo.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "portal.qn")
        .await;
    let period = "from=2010-01-01";
    let (status, summary) = app
        .get_json(&format!("/api/v1/reports/summary?{period}"), &portal)
        .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["province"], "Quảng Ninh");
    let blocs = summary["blocs"].as_array().unwrap();
    let names: Vec<&str> = blocs.iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(blocs.len(), 2, "{names:?}");
    assert!(!names.iter().any(|n| n.contains("Tân Thành")));

    // Each bloc's entry is what the bloc itself is told.
    let hai_ha = blocs
        .iter()
        .find(|b| b["bloc_id"] == demo.bloc_id.as_str())
        .unwrap();
    let (_, own) = app
        .get_json(&format!("/api/v1/reports/summary?{period}"), &demo.head)
        .await;
    assert_eq!(own["blocs"].as_array().unwrap().len(), 1);
    assert_eq!(&own["blocs"][0], hai_ha);

    // Task standings match the bloc's task list.
    let standing = &hai_ha["tasks"]["by_standing"];
    for s in [
        "open_within_deadline",
        "overdue",
        "completed_on_time",
        "completed_late",
    ] {
        let n = count(&app, &format!("/api/v1/tasks?standing={s}"), &demo.head).await;
        assert_eq!(standing[s], n, "{s}");
    }
    let total = standing["total"].as_i64().unwrap();
    assert!(total > 0);
    let by_org: i64 = hai_ha["tasks"]["by_organisation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["tasks"]["total"].as_i64().unwrap())
        .sum();
    let by_sc: i64 = hai_ha["tasks"]["by_sub_committee"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["tasks"]["total"].as_i64().unwrap())
        .sum();
    assert_eq!((by_org, by_sc), (total, total));
    assert!(
        hai_ha["tasks"]["by_organisation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["code"].is_string() && g["name"].is_string())
    );
    let dai = blocs
        .iter()
        .find(|b| b["bloc_id"] == dai_binh.as_str())
        .unwrap();
    assert_eq!(dai["tasks"]["by_standing"]["total"], 2);
    assert_eq!(
        summary["totals"]["tasks"]["total"],
        total + 2,
        "the province's totals add up the blocs"
    );

    // Campaigns: every campaign of the bloc running in the period, with its targets.
    let campaigns = count(&app, "/api/v1/campaigns?sort=start_on", &demo.head).await;
    assert_eq!(
        hai_ha["campaigns"].as_array().unwrap().len() as i64,
        campaigns
    );
    assert!(
        hai_ha["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| !c["targets"].as_array().unwrap().is_empty())
    );

    // Supervision: the same counts as the bloc's own supervision report.
    let (_, sup) = app
        .get_json(
            &format!("/api/v1/reports/supervisions?{period}&period=year"),
            &demo.head,
        )
        .await;
    let sum = |k: &str| -> i64 {
        sup["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[k].as_i64().unwrap())
            .sum()
    };
    assert_eq!(
        hai_ha["supervision"]["recommendations"],
        sum("recommendations")
    );
    assert_eq!(hai_ha["supervision"]["implemented"], sum("implemented"));
    assert_eq!(hai_ha["supervision"]["held"], sum("held"));
    assert!(sum("recommendations") > 0);
    assert_eq!(dai["supervision"]["implementation_rate"], Value::Null);
}

#[tokio::test]
async fn the_summary_is_scoped_and_checks_its_period() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (lang_son, _) = app
        .other_bloc(
            &demo.admin,
            "Khối xã Tân Thành",
            "Lạng Sơn",
            "tan.thanh.head",
        )
        .await;
    let portal = app
        .portal_account(&demo.admin, "Quảng Ninh", "portal.qn")
        .await;
    for (path, token) in [
        (
            "/api/v1/reports/summary?province=Lạng Sơn".to_string(),
            &portal,
        ),
        (
            format!("/api/v1/reports/summary?bloc_id={lang_son}"),
            &portal,
        ),
        (
            format!("/api/v1/reports/summary?bloc_id={lang_son}"),
            &demo.staff,
        ),
        (
            "/api/v1/reports/summary?province=Hà Nội".to_string(),
            &demo.head,
        ),
    ] {
        let res = app.get(&path, Some(token)).await;
        assert_problem(res, 404).await;
    }
    // Diacritics and case do not matter; the admin chooses the province.
    let (status, s) = app
        .get_json("/api/v1/reports/summary?province=lang son", &demo.admin)
        .await;
    assert_eq!(status, 200);
    assert_eq!(s["province"], "Lạng Sơn");
    assert_eq!(s["blocs"].as_array().unwrap().len(), 1);
    let (_, s) = app.get_json("/api/v1/reports/summary", &demo.admin).await;
    assert_eq!(s["blocs"].as_array().unwrap().len(), 2);
    assert!(s["province"].is_null());
    let (_, s) = app
        .get_json("/api/v1/reports/summary?province=quang ninh", &demo.deputy)
        .await;
    assert_eq!(s["blocs"].as_array().unwrap().len(), 1);

    for (q, field) in [
        ("from=2016-12-31&to=2016-01-01", "from"),
        ("from=1990-01-01&to=2016-01-01", "from"),
        ("to=2016-02-30", "to"),
    ] {
        let res = app
            .get(&format!("/api/v1/reports/summary?{q}"), Some(&demo.head))
            .await;
        let p = assert_problem(res, 400).await;
        assert!(
            p["errors"][0]["field"].as_str().unwrap().contains(field),
            "{q}: {p}"
        );
    }
}
