//! Tenancy on writes, with bodies that are valid (issue 20). A body the service refuses before
//! it looks the object up would hide a missing tenancy check, so every write here is proven
//! valid by the owner's own bloc head succeeding with it right after the stranger is refused.
//!
//! - Another bloc's ids in the path: `404`, as if the object did not exist.
//! - Another bloc's ids in the body (a unit, a staff member, an organisation, …): `422` naming
//!   the field, as for an id that exists nowhere: the object in the path is the caller's own,
//!   so the fault is the field, and a client needs to know which.
//!
//! Both tables are checked against the served spec: a new write, or a new reference field on
//! one, fails here until it has a case.
use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app};
use crate::security::{fill, operations, seeded_ids, send, spec};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

/// A valid body for every write with an id in its path, in an order the owner can follow
/// (assign before reporting). The bloc head may make each of them.
pub(crate) fn path_writes(own: &HashMap<&str, String>) -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("patch", "/api/v1/accounts/{id}", json!({"active": true})),
        (
            "patch",
            "/api/v1/blocs/{id}",
            json!({"founding_decision": "111-QĐ/TU"}),
        ),
        (
            "patch",
            "/api/v1/campaigns/{id}",
            json!({"description": "Vận động toàn dân tham gia xây dựng nông thôn mới."}),
        ),
        (
            "post",
            "/api/v1/campaigns/{id}/registrations",
            json!({"title": "Mô hình \"Dân vận khéo\" thôn Đồng Tâm", "registered_on": "2016-03-15", "unit_id": own["unit"]}),
        ),
        (
            "patch",
            "/api/v1/campaigns/{id}/registrations/{registration_id}",
            json!({"note": "Đã thẩm định tại thực địa."}),
        ),
        (
            "post",
            "/api/v1/campaigns/{id}/targets",
            json!({"indicator": "Số thôn đạt chuẩn văn hóa", "measure": "count", "aggregation": "sum", "target_value": 12, "due_on": "2017-12-31"}),
        ),
        (
            "patch",
            "/api/v1/campaigns/{id}/targets/{target_id}",
            json!({"target_value": 90}),
        ),
        (
            "post",
            "/api/v1/campaigns/{id}/targets/{target_id}/measurements",
            json!({"unit_id": own["unit"], "measured_on": "2016-06-30", "numerator": 2050, "denominator": 2500, "source": "Báo cáo của UBND xã"}),
        ),
        (
            "patch",
            "/api/v1/directives/{id}",
            json!({"summary": "Quy chế tổ chức và hoạt động của cơ quan Khối."}),
        ),
        (
            "post",
            "/api/v1/directives/{id}/dispatches",
            json!({"unit_ids": [own["unit2"]], "sent_on": "2016-01-12", "due_on": "2016-02-15"}),
        ),
        (
            "patch",
            "/api/v1/directives/{id}/dispatches/{dispatch_id}",
            json!({"report": "Đã quán triệt đến 100% chi bộ, chi hội.", "reported_on": "2016-02-10"}),
        ),
        (
            "patch",
            "/api/v1/meetings/{id}",
            json!({"minutes": "Thống nhất phân công nhiệm vụ tuần."}),
        ),
        (
            "post",
            "/api/v1/meetings/{id}/decisions",
            json!({"text": "Giao Văn phòng tổng hợp báo cáo tháng."}),
        ),
        (
            "patch",
            "/api/v1/organisations/{id}",
            json!({"name": "Ủy ban Mặt trận Tổ quốc Việt Nam huyện Hải Hà"}),
        ),
        (
            "patch",
            "/api/v1/staff/{id}",
            json!({"phone": "0912 345 679"}),
        ),
        (
            "post",
            "/api/v1/staff/{id}/assignments",
            json!({"to_sub_committee_id": own["sub_committee"], "effective_on": "2016-03-01", "decision_ref": "15-QĐ/KMT"}),
        ),
        (
            "patch",
            "/api/v1/sub-committees/{id}",
            json!({"mandate": "Kiểm tra, giám sát và giải quyết khiếu nại."}),
        ),
        (
            "patch",
            "/api/v1/supervisions/{id}",
            json!({"subject": "UBND xã Quảng Long: công khai tài chính"}),
        ),
        (
            "post",
            "/api/v1/supervisions/{id}/findings",
            json!({"severity": "medium", "text": "Chưa niêm yết công khai dự toán ngân sách xã."}),
        ),
        (
            "post",
            "/api/v1/supervisions/{id}/recommendations",
            json!({"addressee": "UBND xã Quảng Long", "due_on": "2016-07-31", "text": "Niêm yết công khai dự toán ngân sách xã."}),
        ),
        (
            "patch",
            "/api/v1/supervisions/{id}/recommendations/{recommendation_id}",
            json!({"due_on": "2016-08-31"}),
        ),
        (
            "post",
            "/api/v1/supervisions/{id}/recommendations/{recommendation_id}/responses",
            json!({"responded_on": "2016-07-15", "status": "accepted", "text": "UBND xã đang niêm yết công khai dự toán."}),
        ),
        (
            "patch",
            "/api/v1/tasks/{id}",
            json!({"description": "Rà soát danh sách hộ nghèo, cận nghèo các thôn."}),
        ),
        (
            "post",
            "/api/v1/tasks/{id}/transitions",
            json!({"action": "assign"}),
        ),
        (
            "post",
            "/api/v1/tasks/{id}/reports",
            json!({"text": "Đã rà soát 3/5 thôn.", "progress": 60}),
        ),
        (
            "post",
            "/api/v1/tasks/{id}/delegations",
            json!({"bloc_ids": [own["child"]], "note": "Các xã rà soát hộ nghèo trên địa bàn."}),
        ),
        (
            "post",
            "/api/v1/campaigns/{id}/cascades",
            json!({"bloc_ids": [own["child"]]}),
        ),
        (
            "patch",
            "/api/v1/unit-assignments/{id}",
            json!({"notes": "Phụ trách thêm công tác bầu cử."}),
        ),
        ("patch", "/api/v1/units/{id}", json!({"households": 2432})),
        ("patch", "/api/v1/webhooks/{id}", json!({"active": true})),
        (
            "post",
            "/api/v1/tasks/{id}/comments",
            json!({"body": "Đề nghị bổ sung biên bản họp thôn."}),
        ),
        (
            "post",
            "/api/v1/supervisions/{id}/comments",
            json!({"body": "Đoàn giám sát thống nhất lịch làm việc."}),
        ),
        (
            "post",
            "/api/v1/supervisions/{id}/recommendations/{recommendation_id}/comments",
            json!({"body": "Đã nhắc UBND xã trả lời kiến nghị."}),
        ),
        (
            "post",
            "/api/v1/campaigns/{id}/comments",
            json!({"body": "Số liệu quý I đã đủ các xã."}),
        ),
        (
            "patch",
            "/api/v1/comments/{id}",
            json!({"body": "Đề nghị bổ sung biên bản trước thứ Sáu."}),
        ),
        ("patch", "/api/v1/task-series/{id}", json!({"lead_days": 5})),
        ("post", "/api/v1/webhooks/{id}/ping", Value::Null),
        ("post", "/api/v1/webhooks/{id}/secret", Value::Null),
        // Removing an upload: the seeded file is attached evidence, so the case uses a fresh
        // unattached one (`own["upload"]`, see `url_of`).
        ("delete", "/api/v1/files/{id}", Value::Null),
    ]
}

/// The URL a case writes to: the seeded ids, but a fresh upload for a removal.
pub(crate) fn url_of(
    path: &str,
    ids: &HashMap<(String, String), String>,
    own: &HashMap<&str, String>,
) -> String {
    match path {
        "/api/v1/files/{id}" => format!("/api/v1/files/{}", own["upload"]),
        _ => fill(path, ids).unwrap(),
    }
}

/// API1 on writes: another bloc's ids in the path are `404` with a body the owner's head is
/// then given `2xx` for.
#[tokio::test]
async fn every_write_on_another_blocs_ids_is_404_with_a_valid_body() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, stranger) = app
        .other_bloc(
            &demo.admin,
            "Khối xã Đại Bình",
            "Quảng Ninh",
            "dai.binh.head",
        )
        .await;
    let ids = seeded_ids(&app, &demo.head).await;
    let own = own_ids(&app, &demo.head, &ids).await;
    let cases = path_writes(&own);

    // Every write with a path id in the spec has a case (the clients' writes are the admin's,
    // not a bloc's, and are covered in `clients`).
    let served: BTreeSet<(String, String)> = operations(&spec(&app).await)
        .into_iter()
        .filter(|(m, p, _)| {
            m != "get"
                && p.contains('{')
                && !p.starts_with("/api/v1/clients")
                && !p.starts_with("/api/v1/provinces")
                // Dissolving a bloc is the admin's (covered in `levels`).
                && !p.ends_with("/dissolution")
                // An import's path names a kind of thing, not an object.
                && !p.starts_with("/api/v1/imports")
                // One's own inbox and subscriptions: of a person, not a bloc (`notifications`).
                && !p.starts_with("/api/v1/me/")
        })
        .map(|(m, p, _)| (m, p))
        .collect();
    let covered: BTreeSet<(String, String)> = cases
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(served, covered, "writes without a tenancy case");

    for (method, path, body) in &cases {
        let url = url_of(path, &ids, &own);
        let (status, p) = send(&app, method, &url, body, &stranger).await;
        assert_eq!(status, 404, "{method} {path} by another bloc: {p}");
        let (status, p) = send(&app, method, &url, body, &demo.head).await;
        assert!(
            (200..300).contains(&status),
            "{method} {path}: the body must be valid for the owner, got {status}: {p}"
        );
    }
}

/// Ids of the demo bloc that bodies refer to, with a staff member who has no account yet and a
/// task that another can be marked a duplicate of, and a draft to edit.
pub(crate) async fn own_ids(
    app: &TestApp,
    head: &str,
    seeded: &HashMap<(String, String), String>,
) -> HashMap<&'static str, String> {
    let (_, units) = app.get_json("/api/v1/units", head).await;
    let mut own = HashMap::new();
    for (key, i) in [("unit", 0), ("unit2", 1), ("unit3", 2), ("unit4", 3)] {
        own.insert(key, units["items"][i]["id"].as_str().unwrap().to_string());
    }
    for (key, path) in [
        ("staff", "/api/v1/staff?q=ly van cuong"),
        ("staff2", "/api/v1/staff?q=nguyen the hoa"),
        ("organisation", "/api/v1/organisations?q=MTTQ"),
        ("sub_committee", "/api/v1/sub-committees?q=KTGS"),
        ("directive", "/api/v1/directives"),
        ("campaign", "/api/v1/campaigns"),
    ] {
        own.insert(key, app.first_id(path, head).await);
    }
    let seed = |p: &str| seeded[&("campaigns".to_string(), p.to_string())].clone();
    let (_, figures) = app
        .get_json(
            &format!(
                "/api/v1/campaigns/{}/targets/{}/measurements",
                seed("id"),
                seed("target_id")
            ),
            head,
        )
        .await;
    let figure = &figures["items"][0];
    assert_eq!(figure["id"].as_str(), Some(seed("measurement_id").as_str()));
    own.insert("measurement", seed("measurement_id"));
    own.insert(
        "measured_unit",
        figure["unit_id"].as_str().unwrap().to_string(),
    );
    for (key, path, body) in [
        (
            "fresh_staff",
            "/api/v1/staff",
            json!({"full_name": "Hoàng Thị Mai", "role": "staff"}),
        ),
        (
            "task",
            "/api/v1/tasks",
            json!({"title": "Rà soát hộ nghèo các thôn"}),
        ),
        (
            "draft",
            "/api/v1/tasks",
            json!({"title": "Tổng hợp ý kiến cử tri quý II"}),
        ),
        // A person and an account made apart, to be linked later.
        (
            "link_staff",
            "/api/v1/staff",
            json!({"full_name": "Đặng Văn Hùng", "role": "staff"}),
        ),
        (
            "loose_account",
            "/api/v1/accounts",
            json!({"username": "dang.van.hung", "password": "mật-khẩu-tạm-2016", "role": "staff"}),
        ),
    ] {
        let res = app.post_json(path, &body, Some(head)).await;
        assert_eq!(res.status(), 201, "{path}");
        let v: Value = res.json().await.unwrap();
        own.insert(key, v["id"].as_str().unwrap().to_string());
    }
    // Communes under the district in 2016, opened by the admin, for work sent down.
    let admin = app.login_admin().await.access;
    let bloc = app.first_id("/api/v1/blocs", head).await;
    // Each with its head and its Front committee, which leads a campaign cascaded to it.
    for (key, name, user) in [
        ("child", "Khối xã Quảng Thịnh", "quang.thinh.truong"),
        ("child2", "Khối xã Quảng Chính", "quang.chinh.truong"),
        ("child3", "Khối xã Quảng Long", "quang.long.truong"),
    ] {
        let res = app
            .post_json(
                "/api/v1/blocs",
                &json!({"name": name, "level": "commune", "parent_id": bloc, "established_on": "2016-02-01",
                        "head": {"full_name": format!("Trưởng khối {name}"), "username": user, "password": DEMO_PASSWORD}}),
                Some(&admin),
            )
            .await;
        assert_eq!(res.status(), 201, "{name}");
        let v: Value = res.json().await.unwrap();
        own.insert(key, v["id"].as_str().unwrap().to_string());
        let h = app.first_sign_in(user, DEMO_PASSWORD).await.access;
        let res = app
            .post_json(
                "/api/v1/organisations",
                &json!({"code": "MTTQ", "name": format!("Ủy ban MTTQ {name}"), "kind": "fatherland_front"}),
                Some(&h),
            )
            .await;
        assert_eq!(res.status(), 201, "{name}");
    }
    // An upload of its own, unattached: what a removal acts on.
    let (status, f) = crate::imports::upload(
        app,
        "/api/v1/files",
        &format!("multipart/form-data; boundary={}", crate::files::BOUNDARY),
        crate::files::form("file", "Ảnh.pdf", "application/pdf", &crate::files::pdf(32)),
        head,
    )
    .await;
    assert_eq!(status, 201, "{f}");
    own.insert("upload", f["id"].as_str().unwrap().to_string());
    own
}

/// A small structure in the other bloc, made by its head, for bodies to point at.
async fn foreign_ids(app: &TestApp, head: &str) -> HashMap<&'static str, String> {
    let mut ids: HashMap<&'static str, String> = HashMap::new();
    let make = async |path: String, body: Value| -> String {
        let res = app.post_json(&path, &body, Some(head)).await;
        let status = res.status().as_u16();
        let v: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{path}: {v}");
        v["id"].as_str().unwrap().to_string()
    };
    let org = make(
        "/api/v1/organisations".into(),
        json!({"code": "MTTQ", "name": "Ủy ban MTTQ xã Đại Bình", "kind": "fatherland_front"}),
    )
    .await;
    let sc = make(
        "/api/v1/sub-committees".into(),
        json!({"code": "KTGS", "name": "Tiểu ban Kiểm tra – giám sát"}),
    )
    .await;
    let staff = make(
        "/api/v1/staff".into(),
        json!({"full_name": "Hoàng Văn Nam", "role": "staff"}),
    )
    .await;
    let unit = make(
        "/api/v1/units".into(),
        json!({"name": "Thôn Bình Hải", "kind": "village"}),
    )
    .await;
    let directive = make(
        "/api/v1/directives".into(),
        json!({"number": "01-CT/ĐU", "issued_on": "2016-01-05", "title": "Về công tác dân vận năm 2016"}),
    )
    .await;
    let campaign = make(
        "/api/v1/campaigns".into(),
        json!({"name": "Xây dựng nông thôn mới xã Đại Bình", "kind": "drive", "lead_organisation_id": org, "start_on": "2016-01-01", "end_on": "2017-12-31"}),
    )
    .await;
    let target = make(
        format!("/api/v1/campaigns/{campaign}/targets"),
        json!({"indicator": "Số thôn đạt chuẩn", "measure": "count", "aggregation": "sum", "target_value": 5, "due_on": "2017-12-31"}),
    )
    .await;
    let measurement = make(
        format!("/api/v1/campaigns/{campaign}/targets/{target}/measurements"),
        json!({"unit_id": unit, "measured_on": "2016-06-30", "value": 1}),
    )
    .await;
    let task = make(
        "/api/v1/tasks".into(),
        json!({"title": "Nhiệm vụ của xã Đại Bình"}),
    )
    .await;
    ids.insert("organisation", org);
    ids.insert("sub_committee", sc);
    ids.insert("staff", staff);
    ids.insert("unit", unit);
    ids.insert("directive", directive);
    ids.insert("campaign", campaign);
    ids.insert("measurement", measurement);
    ids.insert("task", task);
    // Its own bloc: not a child of anyone's.
    ids.insert("bloc", app.first_id("/api/v1/blocs", head).await);
    ids
}

/// A write whose body refers to other objects of the bloc: the path, a valid body, and for each
/// reference field the kind of object it names.
pub(crate) struct RefCase {
    pub method: &'static str,
    pub path: &'static str,
    pub body: Value,
    pub refs: &'static [(&'static str, &'static str)],
    /// The object in the path, where the seeded one will not do.
    pub id: Option<String>,
}

pub(crate) fn reference_writes(own: &HashMap<&str, String>, n: usize) -> Vec<RefCase> {
    let o = |k: &str| own[k].clone();
    vec![
        RefCase {
            method: "post",
            path: "/api/v1/accounts",
            body: json!({"username": "hoang.thi.mai", "password": "mật-khẩu-dài-2016", "role": "staff", "staff_id": o("fresh_staff")}),
            id: None,
            refs: &[("staff_id", "staff")],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/accounts/{id}",
            body: json!({"staff_id": o("link_staff")}),
            id: Some(o("loose_account")),
            refs: &[("staff_id", "staff")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/campaigns",
            body: json!({"name": format!("Cuộc vận động số {n}"), "kind": "drive", "lead_organisation_id": o("organisation"), "participating_organisation_ids": [], "start_on": "2016-01-01", "end_on": "2016-12-31"}),
            id: None,
            refs: &[
                ("lead_organisation_id", "organisation"),
                ("participating_organisation_ids", "organisation"),
            ],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/campaigns/{id}",
            body: json!({"lead_organisation_id": o("organisation"), "participating_organisation_ids": []}),
            id: None,
            refs: &[
                ("lead_organisation_id", "organisation"),
                ("participating_organisation_ids", "organisation"),
            ],
        },
        RefCase {
            method: "post",
            path: "/api/v1/campaigns/{id}/registrations",
            body: json!({"title": "Mô hình dân vận khéo", "registered_on": "2016-03-15", "unit_id": o("unit")}),
            id: None,
            refs: &[("unit_id", "unit")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/campaigns/{id}/registrations",
            body: json!({"title": "Mô hình chi hội phụ nữ tự quản", "registered_on": "2016-03-16", "organisation_id": o("organisation")}),
            id: None,
            refs: &[("organisation_id", "organisation")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/campaigns/{id}/targets/{target_id}/measurements",
            body: json!({"unit_id": o("unit2"), "measured_on": "2016-07-31", "numerator": 2100, "denominator": 2500}),
            id: None,
            refs: &[("unit_id", "unit")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/campaigns/{id}/targets/{target_id}/measurements",
            body: json!({"unit_id": o("measured_unit"), "measured_on": "2016-07-31", "numerator": 2100, "denominator": 2500, "supersedes_id": o("measurement")}),
            id: None,
            refs: &[("supersedes_id", "measurement")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/directives/{id}/dispatches",
            body: json!({"unit_ids": [o("unit3")], "sent_on": "2016-01-12"}),
            id: None,
            refs: &[("unit_ids", "unit")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/directives/{id}/dispatches",
            body: json!({"bloc_ids": [o("child3")], "sent_on": "2016-01-12"}),
            id: None,
            refs: &[("bloc_ids", "bloc")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/tasks/{id}/delegations",
            body: json!({"bloc_ids": [o("child2")]}),
            id: None,
            refs: &[("bloc_ids", "bloc")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/campaigns/{id}/cascades",
            body: json!({"bloc_ids": [o("child2")]}),
            id: None,
            refs: &[("bloc_ids", "bloc")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/meetings",
            body: json!({"kind": "ad_hoc", "title": "Họp bàn công tác", "held_on": "2016-03-01", "chair_staff_id": o("staff"), "attendee_ids": [o("staff2")]}),
            id: None,
            refs: &[("chair_staff_id", "staff"), ("attendee_ids", "staff")],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/meetings/{id}",
            body: json!({"chair_staff_id": o("staff"), "attendee_ids": [o("staff2")]}),
            id: None,
            refs: &[("chair_staff_id", "staff"), ("attendee_ids", "staff")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/meetings/{id}/decisions",
            body: json!({"text": "Giao đồng chí Cường rà soát hộ nghèo.", "task": {"title": "Rà soát hộ nghèo quý II", "lead_organisation_id": o("organisation"), "assignee_id": o("staff"), "due_on": "2016-06-30"}}),
            id: None,
            refs: &[
                ("task.lead_organisation_id", "organisation"),
                ("task.assignee_id", "staff"),
            ],
        },
        RefCase {
            method: "post",
            path: "/api/v1/organisations",
            body: json!({"code": format!("HCCB{n}"), "name": format!("Hội Cựu chiến binh {n}"), "kind": "socio_political", "head_staff_id": o("staff2")}),
            id: None,
            refs: &[("head_staff_id", "staff")],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/organisations/{id}",
            body: json!({"head_staff_id": o("staff2")}),
            id: None,
            refs: &[("head_staff_id", "staff")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/staff",
            body: json!({"full_name": "Trần Thị Thu", "role": "staff", "organisation_id": o("organisation"), "sub_committee_id": o("sub_committee")}),
            id: None,
            refs: &[
                ("organisation_id", "organisation"),
                ("sub_committee_id", "sub_committee"),
            ],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/staff/{id}",
            body: json!({"organisation_id": o("organisation")}),
            id: None,
            refs: &[("organisation_id", "organisation")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/staff/{id}/assignments",
            body: json!({"to_sub_committee_id": o("sub_committee"), "effective_on": "2016-04-01"}),
            id: None,
            refs: &[("to_sub_committee_id", "sub_committee")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/sub-committees",
            body: json!({"code": format!("VP{n}"), "name": format!("Văn phòng {n}"), "head_staff_id": o("staff2")}),
            id: None,
            refs: &[("head_staff_id", "staff")],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/sub-committees/{id}",
            body: json!({"head_staff_id": o("staff2")}),
            id: None,
            refs: &[("head_staff_id", "staff")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/supervisions",
            body: json!({"kind": "supervision", "title": "Giám sát công khai tài chính", "subject": "UBND xã Quảng Long", "planned_start_on": "2016-05-09", "planned_end_on": "2016-05-20", "directive_id": o("directive"), "lead_organisation_id": o("organisation"), "sub_committee_id": o("sub_committee"), "member_ids": [o("staff")], "unit_ids": [o("unit")]}),
            id: None,
            refs: &[
                ("directive_id", "directive"),
                ("lead_organisation_id", "organisation"),
                ("sub_committee_id", "sub_committee"),
                ("member_ids", "staff"),
                ("unit_ids", "unit"),
            ],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/supervisions/{id}",
            body: json!({"directive_id": o("directive"), "lead_organisation_id": o("organisation"), "sub_committee_id": o("sub_committee"), "member_ids": [o("staff")], "unit_ids": [o("unit")]}),
            id: None,
            refs: &[
                ("directive_id", "directive"),
                ("lead_organisation_id", "organisation"),
                ("sub_committee_id", "sub_committee"),
                ("member_ids", "staff"),
                ("unit_ids", "unit"),
            ],
        },
        RefCase {
            method: "post",
            path: "/api/v1/tasks",
            body: json!({"title": format!("Nhiệm vụ tham chiếu {n}"), "directive_id": o("directive"), "campaign_id": o("campaign"), "lead_organisation_id": o("organisation"), "coordinating_organisation_ids": [], "sub_committee_id": o("sub_committee"), "assignee_id": o("staff")}),
            id: None,
            refs: &[
                ("directive_id", "directive"),
                ("campaign_id", "campaign"),
                ("lead_organisation_id", "organisation"),
                ("coordinating_organisation_ids", "organisation"),
                ("sub_committee_id", "sub_committee"),
                ("assignee_id", "staff"),
            ],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/tasks/{id}",
            // Only a draft is edited; the seeded task is assigned by now.
            body: json!({"directive_id": o("directive"), "campaign_id": o("campaign"), "lead_organisation_id": o("organisation"), "coordinating_organisation_ids": [], "sub_committee_id": o("sub_committee"), "assignee_id": o("staff")}),
            id: Some(o("draft")),
            refs: &[
                ("directive_id", "directive"),
                ("campaign_id", "campaign"),
                ("lead_organisation_id", "organisation"),
                ("coordinating_organisation_ids", "organisation"),
                ("sub_committee_id", "sub_committee"),
                ("assignee_id", "staff"),
            ],
        },
        RefCase {
            method: "post",
            path: "/api/v1/tasks/{id}/transitions",
            body: json!({"action": "reassign", "assignee_id": o("staff2"), "reason": "Đồng chí Cường đi học tập trung"}),
            id: None,
            refs: &[("assignee_id", "staff")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/tasks/{id}/transitions",
            body: json!({"action": "mark_duplicate", "duplicate_of": o("task"), "reason": "Trùng với nhiệm vụ đã giao"}),
            id: None,
            refs: &[("duplicate_of", "task")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/task-series",
            body: json!({"title": format!("Báo cáo tuần số {n}"), "description": "Tổng hợp công tác tuần", "expected_result": "Báo cáo tuần gửi Thường trực", "lead_organisation_id": o("organisation"), "sub_committee_id": o("sub_committee"), "assignee_id": o("staff"), "rule": "FREQ=WEEKLY;BYDAY=MO", "start_on": "2099-01-05"}),
            id: None,
            refs: &[
                ("lead_organisation_id", "organisation"),
                ("sub_committee_id", "sub_committee"),
                ("assignee_id", "staff"),
            ],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/task-series/{id}",
            body: json!({"assignee_id": o("staff2")}),
            id: None,
            refs: &[("assignee_id", "staff")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/unit-assignments",
            body: json!({"staff_id": o("staff"), "unit_id": o("unit"), "purpose": "election_monitoring", "start_on": "2016-03-01"}),
            id: None,
            refs: &[("staff_id", "staff"), ("unit_id", "unit")],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/unit-assignments/{id}",
            body: json!({"staff_id": o("staff2"), "unit_id": o("unit2")}),
            id: None,
            refs: &[("staff_id", "staff"), ("unit_id", "unit")],
        },
        RefCase {
            method: "post",
            path: "/api/v1/units",
            body: json!({"name": format!("Thôn mới {n}"), "kind": "village", "parent_id": o("unit")}),
            id: None,
            refs: &[("parent_id", "unit")],
        },
        RefCase {
            method: "patch",
            path: "/api/v1/units/{id}",
            body: json!({"parent_id": o("unit4")}),
            id: None,
            refs: &[("parent_id", "unit")],
        },
        // Last: the units merged are closed for the cases above.
        RefCase {
            method: "post",
            path: "/api/v1/units/mergers",
            body: json!({"unit_ids": [o("unit3"), o("unit4")], "new_unit": {"name": format!("Xã Hải Hà mới {n}"), "kind": "commune"},
                         "merged_on": "2025-07-01", "decision": "1679/NQ-UBTVQH15"}),
            id: None,
            refs: &[("unit_ids", "unit")],
        },
    ]
}

/// Sets `field` (`a` or `a.b`) of `body` to `value`, as a one-item list where the field is one.
fn point(body: &mut Value, field: &str, id: &str) {
    let mut at = &mut *body;
    let mut parts = field.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_some() {
            at = &mut at[part];
        } else {
            at[part] = if at[part].is_array() {
                json!([id])
            } else {
                json!(id)
            };
        }
    }
}

/// API1 on references: a valid body that names another bloc's object in one field is `422`
/// naming that field, for every reference field of every write; the same body with the
/// bloc's own ids is then accepted.
#[tokio::test]
async fn every_reference_to_another_blocs_object_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (_, stranger) = app
        .other_bloc(&demo.admin, "Khối xã Đầm Hà", "Quảng Ninh", "dam.ha.head")
        .await;
    let foreign = foreign_ids(&app, &stranger).await;
    let h = &demo.head;
    let ids = seeded_ids(&app, h).await;
    let own = own_ids(&app, h, &ids).await;
    // The seeded task is assigned, so it can be reassigned; a second one is marked its duplicate.
    let task = &ids[&("tasks".to_string(), "id".to_string())];
    let (s, p) = send(
        &app,
        "post",
        &format!("/api/v1/tasks/{task}/transitions"),
        &json!({"action": "assign"}),
        h,
    )
    .await;
    assert_eq!(s, 200, "{p}");
    let cases = reference_writes(&own, 1);

    // Every id-valued field of every write body in the spec has a case, but the admin's own
    // (`bloc_id`, a bloc's `parent_id`, a client's id at sign-in).
    let spec = spec(&app).await;
    let schemas = &spec["components"]["schemas"];
    let mut served = BTreeSet::new();
    for (method, path, op) in operations(&spec) {
        let Some(r) = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
        else {
            continue;
        };
        // A body that may be one item or a list (`oneOf`): the item's fields.
        let mut schema = &schemas[r.rsplit('/').next().unwrap()];
        if let Some(item) = schema["oneOf"][0]["$ref"].as_str() {
            schema = &schemas[item.rsplit('/').next().unwrap()];
        }
        let props = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for field in props.keys() {
            let reference =
                field.ends_with("_id") || field.ends_with("_ids") || field == "duplicate_of";
            // A province is reference data, named by the admin's writes.
            let admins = field == "bloc_id"
                || field == "province_id"
                || path.ends_with("/dissolution")
                || path == "/api/v1/blocs"
                || (path == "/api/v1/blocs/{id}" && field == "parent_id")
                || path.starts_with("/api/v1/auth");
            if reference && !admins {
                served.insert((method.clone(), path.clone(), field.clone()));
            }
        }
    }
    let covered: BTreeSet<(String, String, String)> = cases
        .iter()
        .flat_map(|c| {
            c.refs
                .iter()
                .filter(|(f, _)| !f.contains('.'))
                .map(|(f, _)| (c.method.to_string(), c.path.to_string(), f.to_string()))
        })
        .collect();
    assert_eq!(served, covered, "reference fields without a tenancy case");

    let mut tried = 0;
    for case in &cases {
        let path = match &case.id {
            Some(id) => case.path.replace("{id}", id),
            None => case.path.to_string(),
        };
        let url = fill(&path, &ids).unwrap();
        for (field, kind) in case.refs {
            let mut body = case.body.clone();
            point(&mut body, field, &foreign[kind]);
            let (status, p) = send(&app, case.method, &url, &body, h).await;
            assert_eq!(
                status, 422,
                "{} {} with another bloc's {field}: {p}",
                case.method, case.path
            );
            let fields: Vec<&str> = p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|e| e["field"].as_str())
                .collect();
            let named = if case
                .body
                .pointer(&format!("/{}", field.replace('.', "/")))
                .is_some_and(Value::is_array)
            {
                format!("{field}[0]")
            } else {
                field.to_string()
            };
            assert_eq!(fields, [named], "{} {}: {p}", case.method, case.path);
            tried += 1;
        }
        let (status, p) = send(&app, case.method, &url, &case.body, h).await;
        assert!(
            (200..300).contains(&status),
            "{} {}: the body must be valid with the bloc's own ids, got {status}: {p}",
            case.method,
            case.path
        );
    }
    assert!(tried >= 54, "only {tried} references tried");
}
