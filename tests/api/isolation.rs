//! Another bloc's resources do not exist for the caller: every endpoint answers 404 (never 403)
//! for ids of another bloc, and lists never show them. The portal sees only its province.
use crate::helpers::{assert_problem, spawn_app};
use serde_json::json;

#[tokio::test]
async fn another_blocs_resources_are_404_on_every_endpoint() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let h = &demo.head;
    let (_, other) = app
        .other_bloc(
            &demo.admin,
            "Khối Mặt trận và đoàn thể xã Tiên Yên",
            "Quảng Ninh",
            "tien.yen.head",
        )
        .await;
    let ids = [
        ("blocs", demo.bloc_id.clone()),
        (
            "organisations",
            app.first_id("/api/v1/organisations", h).await,
        ),
        (
            "sub-committees",
            app.first_id("/api/v1/sub-committees", h).await,
        ),
        ("staff", app.first_id("/api/v1/staff", h).await),
        ("units", app.first_id("/api/v1/units", h).await),
        ("accounts", app.first_id("/api/v1/accounts?q=demo", h).await),
    ];
    for (resource, id) in &ids {
        let path = format!("/api/v1/{resource}/{id}");
        assert_problem(app.get(&path, Some(&other)).await, 404).await;
        let res = app
            .patch_json(&path, &json!({"name": "chiếm quyền"}), &other, None)
            .await;
        let s = res.status().as_u16();
        // 404 always, or 422 where the body is checked before the lookup would have failed:
        // never 200, never 403.
        assert!(
            s == 404 || s == 422,
            "PATCH {path} by another bloc gave {s}"
        );
        let (_, list) = app.get_json(&format!("/api/v1/{resource}"), &other).await;
        let items = list["items"].as_array().cloned().unwrap_or_default();
        assert!(
            items.iter().all(|i| i["id"] != json!(id)),
            "{resource} list leaks {id}"
        );
    }
    let staff_id = &ids[3].1;
    assert_problem(
        app.get(
            &format!("/api/v1/staff/{staff_id}/assignments"),
            Some(&other),
        )
        .await,
        404,
    )
    .await;
    let res = app
        .post_json(
            &format!("/api/v1/staff/{staff_id}/assignments"),
            &json!({"to_sub_committee_id": null}),
            Some(&other),
        )
        .await;
    assert_problem(res, 404).await;
    // The other bloc's audit log shows nothing of Hải Hà.
    let (_, log) = app
        .get_json("/api/v1/audit-log?resource_type=bloc", &other)
        .await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["bloc_id"] != json!(demo.bloc_id))
    );
}

#[tokio::test]
async fn the_portal_reads_its_province_only_and_never_writes() {
    let app = spawn_app().await;
    let demo = app.seed_demo().await;
    let (elsewhere, _) = app
        .other_bloc(
            &demo.admin,
            "Khối Mặt trận và đoàn thể phường Hồng Gai",
            "Hà Nội",
            "hong.gai.head",
        )
        .await;
    let portal = app
        .portal_account(&demo.admin, "quang ninh", "portal.qn")
        .await;
    let (_, blocs) = app.get_json("/api/v1/blocs", &portal).await;
    let names: Vec<&str> = blocs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["province"].as_str().unwrap())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|p| *p == "Quảng Ninh"),
        "{names:?}"
    );
    assert_problem(
        app.get(&format!("/api/v1/blocs/{elsewhere}"), Some(&portal))
            .await,
        404,
    )
    .await;
    let (s, staff) = app
        .get_json("/api/v1/staff?q=nguyen the hoa", &portal)
        .await;
    assert_eq!(s, 200);
    assert_eq!(staff["items"].as_array().unwrap().len(), 1);
    let res = app
        .patch_json(
            &format!("/api/v1/blocs/{}", demo.bloc_id),
            &json!({"name": "x"}),
            &portal,
            None,
        )
        .await;
    assert_problem(res, 403).await;
}
