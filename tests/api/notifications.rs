//! Work that reaches people (issue 17), on the demo bloc with the service's day fixed in
//! February 2016: the inbox, reminders made by the scheduler once on several instances, email
//! through a real SMTP server (STARTTLS, AUTH), Web Push decrypted by an independent RFC 8291
//! implementation, mentions, recurring tasks, planned meetings and the calendar feed.
use crate::{
    helpers::{Demo, TestApp, assert_problem, etag, spawn_app_with},
    peers::{Push, Smtp, eventually},
};
use serde_json::{Value, json};
use std::time::Duration;

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// The service on `today`, its scheduler passing every 200 ms.
async fn scheduled_on(today: &str) -> TestApp {
    spawn_app_with(|c| {
        c.fixed_today = Some(day(today));
        c.notifications.scheduler = true;
        c.notifications.scheduler_interval = Duration::from_millis(200);
    })
    .await
}

async fn id_of(app: &TestApp, path: &str, token: &str) -> String {
    app.first_id(path, token).await
}

struct Ids {
    mttq: String,
    ktgs: String,
    cuong: String,
}

async fn ids(app: &TestApp, d: &Demo) -> Ids {
    Ids {
        mttq: id_of(app, "/api/v1/organisations?q=MTTQ", &d.head).await,
        ktgs: id_of(app, "/api/v1/sub-committees?q=KTGS", &d.head).await,
        cuong: id_of(app, "/api/v1/staff?q=ly van cuong", &d.head).await,
    }
}

async fn assigned_task(
    app: &TestApp,
    d: &Demo,
    i: &Ids,
    title: &str,
    due: &str,
    priority: &str,
) -> String {
    let res = app
        .post_json(
            "/api/v1/tasks",
            &json!({
                "title": title,
                "description": "Tổng hợp kết quả vận động hội viên tham gia xây dựng nông thôn mới.",
                "expected_result": "Báo cáo gửi Thường trực Khối",
                "lead_organisation_id": i.mttq,
                "sub_committee_id": i.ktgs,
                "assignee_id": i.cuong,
                "due_on": due,
                "priority": priority,
            }),
            Some(&d.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    let id = v["id"]
        .as_str()
        .or(v["task"]["id"].as_str())
        .unwrap()
        .to_string();
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{id}/transitions"),
            &json!({"action": "assign"}),
            Some(&d.head),
        )
        .await;
    assert_eq!(res.status(), 200, "assign");
    id
}

async fn inbox(app: &TestApp, token: &str) -> Value {
    let (s, v) = app
        .get_json("/api/v1/me/notifications?limit=200", token)
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn mark_read(app: &TestApp, id: &str, token: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/me/notifications/{id}/read"),
        &Value::Null,
        Some(token),
    )
    .await
}

fn kinds_about(inbox: &Value, kind: &str, task: &str) -> usize {
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind && n["resource_id"] == task)
        .count()
}

async fn prefer(app: &TestApp, token: &str, body: Value) {
    let res = app
        .client
        .patch(app.url("/api/v1/me/notification-preferences"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn subscribe(app: &TestApp, token: &str, push: &Push, name: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/me/push-subscriptions",
        &json!({"endpoint": push.endpoint(name), "keys": {"p256dh": push.p256dh, "auth": push.auth}}),
        Some(token),
    )
    .await
}

/// The "done means", end to end.
#[tokio::test]
async fn reminders_reach_the_inbox_email_and_push_once_and_routine_work_arrives_by_itself() {
    let smtp = Smtp::start().await;
    let push = Push::start().await;
    let smtp_cfg = smtp.config();
    let app = spawn_app_with(|c| {
        c.fixed_today = Some(day("2016-02-08")); // a Monday
        c.notifications.scheduler = true;
        c.notifications.scheduler_interval = Duration::from_millis(200);
        c.notifications.smtp = Some(smtp_cfg);
    })
    .await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    // The assignee keeps no quiet hours here, so the test does not depend on the hour it runs.
    prefer(
        &app,
        &d.staff,
        json!({"email": "cuong.ly@haiha.vn", "quiet_hours": false}),
    )
    .await;
    assert_eq!(
        subscribe(&app, &d.staff, &push, "cuong").await.status(),
        201
    );

    // Due in two days: assigned now, reminded by the scheduler.
    let task = assigned_task(
        &app,
        &d,
        &i,
        "Báo cáo kết quả vận động tháng 2",
        "2016-02-10",
        "normal",
    )
    .await;
    let got = eventually(20, async || {
        let b = inbox(&app, &d.staff).await;
        (kinds_about(&b, "assigned", &task) == 1 && kinds_about(&b, "due_soon", &task) == 1)
            .then_some(b)
    })
    .await
    .expect("the assignee's inbox has the assignment and the due-soon reminder");
    let due = got["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "due_soon")
        .unwrap();
    assert_eq!(
        due["title"],
        "Còn 2 ngày đến hạn: Báo cáo kết quả vận động tháng 2"
    );
    assert_eq!(due["href"], format!("/api/v1/tasks/{task}"));
    assert!(got["unread_count"].as_u64().unwrap() >= 2);

    let mail = eventually(20, async || {
        smtp.messages().into_iter().find(|m| {
            m["subject"]
                .as_str()
                .unwrap_or("")
                .contains("Còn 2 ngày đến hạn")
        })
    })
    .await
    .expect("the due-soon email reaches the SMTP server");
    assert_eq!(mail["to"], json!(["cuong.ly@haiha.vn"]));
    assert_eq!(mail["tls"], true, "sent after STARTTLS");
    assert_eq!(mail["auth"], true, "sent after AUTH");
    assert!(mail["text"].as_str().unwrap().contains("10/02/2016"));
    assert!(mail["html"].as_str().unwrap().contains("<h2>"));

    let pushed = eventually(20, async || {
        push.received()
            .into_iter()
            .find(|p| p["payload"]["kind"] == "due_soon")
    })
    .await
    .expect("the due-soon push reaches the push service");
    assert_eq!(pushed["vapid_error"], Value::Null, "{pushed}");
    assert_eq!(pushed["encoding"], "aes128gcm");
    assert_eq!(pushed["payload"]["href"], format!("/api/v1/tasks/{task}"));

    // Routine work: the weekly report appears on Monday by itself, assigned.
    let res = app
        .post_json(
            "/api/v1/task-series",
            &json!({"title": "Báo cáo tuần", "description": "Tổng hợp công tác tuần của các tổ chức thành viên",
                    "expected_result": "Báo cáo tuần gửi Thường trực", "lead_organisation_id": i.mttq,
                    "sub_committee_id": i.ktgs, "assignee_id": i.cuong, "rule": "FREQ=WEEKLY;BYDAY=MO",
                    "due_after_days": 4, "lead_days": 0, "start_on": "2016-02-01"}),
            Some(&d.head),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let weekly = eventually(20, async || {
        let (_, v) = app.get_json("/api/v1/tasks?q=bao cao tuan", &d.head).await;
        v["items"].as_array().and_then(|a| a.first().cloned())
    })
    .await
    .expect("the weekly report task of Monday 8 February appears");
    assert_eq!(weekly["title"], "Báo cáo tuần (08/02/2016)");
    assert_eq!(weekly["status"], "assigned");
    assert_eq!(weekly["due_on"], "2016-02-12");

    // A mention reaches the person mentioned.
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{task}/comments"),
            &json!({"body": "@demo.staff đề nghị đồng chí gửi số liệu trước thứ Tư."}),
            Some(&d.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let b = inbox(&app, &d.staff).await;
    assert_eq!(kinds_about(&b, "mentioned", &task), 1);

    // A phone calendar subscribes to the person's deadlines.
    let res = app
        .client
        .put(app.url("/api/v1/me/calendar"))
        .bearer_auth(&d.staff)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = res.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert!(ics.contains(&format!("UID:task-{task}-due@khoi")));
    assert!(ics.contains("DTSTART;VALUE=DATE:20160210"));

    // The day after the deadline, on two instances at once (restarted after the days
    // between): the assignee, the deputy heading KTGS and MTTQ's head (the bloc head) are told
    // it is overdue, once each, and the feed carries one task.overdue.
    let later = |c: &mut khoi::config::Config| c.fixed_today = Some(day("2016-02-11"));
    let a = app.another_instance(later).await;
    let b = app.another_instance(later).await;
    for token in [&d.staff, &d.deputy, &d.head] {
        eventually(20, async || {
            (kinds_about(&inbox(&a, token).await, "overdue", &task) == 1).then_some(())
        })
        .await
        .expect("told it is overdue");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await; // more passes on both instances
    for token in [&d.staff, &d.deputy, &d.head] {
        assert_eq!(
            kinds_about(&inbox(&b, token).await, "overdue", &task),
            1,
            "once"
        );
    }
    let (_, feed) = a.get_json("/api/v1/changes?limit=200", &d.head).await;
    let overdue: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource_id"] == task.as_str() && c["action"] == "overdue")
        .collect();
    assert_eq!(overdue.len(), 1, "one task.overdue in the feed");
    let due_soon = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["resource_id"] == task.as_str() && c["action"] == "due_soon")
        .count();
    assert_eq!(due_soon, 1, "one task.due_soon in the feed");
    // The next Monday's report appears by itself too, once, on either instance.
    let monday = app
        .another_instance(|c| {
            c.fixed_today = Some(day("2016-02-15"));
            c.notifications.scheduler = true;
            c.notifications.scheduler_interval = Duration::from_millis(200);
        })
        .await;
    let next = eventually(20, async || {
        let (_, v) = monday
            .get_json("/api/v1/tasks?q=bao cao tuan&limit=10", &d.head)
            .await;
        let items = v["items"].as_array().cloned().unwrap_or_default();
        (items.len() == 2).then_some(items)
    })
    .await
    .expect("the report of Monday 15 February appears");
    assert!(
        next.iter()
            .any(|t| t["title"] == "Báo cáo tuần (15/02/2016)")
    );
    drop(monday);
    drop(b);
    drop(a);
}

/// A mail server that is down never fails the request; the email waits and is retried.
#[tokio::test]
async fn a_mail_server_that_is_down_fails_nothing() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let app = spawn_app_with(|c| {
        c.fixed_today = Some(day("2016-02-08"));
        c.notifications.retry_base = Duration::from_millis(100);
        c.notifications.smtp = Some(khoi::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: khoi::config::SmtpTls::None,
            username: None,
            password: None,
            from: "Khối <khoi@haiha.vn>".into(),
            ca_file: None,
        });
    })
    .await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    prefer(
        &app,
        &d.staff,
        json!({"email": "cuong.ly@haiha.vn", "quiet_hours": false}),
    )
    .await;
    let task = assigned_task(&app, &d, &i, "Rà soát hộ nghèo", "2016-02-20", "urgent").await;
    let b = inbox(&app, &d.staff).await;
    assert_eq!(kinds_about(&b, "assigned", &task), 1);
    assert_eq!(b["items"][0]["urgent"], true);
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let tried = eventually(20, async || {
        khoi::entities::notification_send::Entity::find()
            .filter(khoi::entities::notification_send::Column::Attempts.gte(2))
            .one(&app.state.db)
            .await
            .unwrap()
    })
    .await
    .expect("the email was tried and retried");
    assert_eq!(tried.channel, "email");
    assert!(tried.last_error.is_some());
    assert_ne!(tried.status, "sent");
    // The person reads their own send log.
    let (s, log) = app
        .get_json("/api/v1/me/notification-sends", &d.staff)
        .await;
    assert_eq!(s, 200);
    assert_eq!(log["items"][0]["channel"], "email");
    assert_ne!(log["items"][0]["status"], "sent");
    assert!(log["items"][0]["attempts"].as_i64().unwrap() >= 2);
    assert!(log["items"][0]["last_error"].is_string());
    let (s, _) = app
        .get_json("/api/v1/me/notification-sends?status=lost", &d.staff)
        .await;
    assert_eq!(s, 400);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("khoi_notification_sends{status=\"sent\"} 0"),
        "{metrics}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_reveals_nothing() {
    let push = Push::start().await;
    let app = spawn_app_with(|c| c.fixed_today = Some(day("2016-02-08"))).await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let task = assigned_task(
        &app,
        &d,
        &i,
        "Kiểm tra sổ sách chi hội",
        "2016-02-20",
        "normal",
    )
    .await;

    // Push subscriptions: bad keys, a non-URL.
    let res = app
        .post_json(
            "/api/v1/me/push-subscriptions",
            &json!({"endpoint": push.endpoint("x"), "keys": {"p256dh": "AAAA", "auth": push.auth}}),
            Some(&d.staff),
        )
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "keys.p256dh");
    let res = app
        .post_json(
            "/api/v1/me/push-subscriptions",
            &json!({"endpoint": "không phải URL", "keys": {"p256dh": push.p256dh, "auth": "AAAA"}}),
            Some(&d.staff),
        )
        .await;
    let p = assert_problem(res, 422).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["endpoint", "keys.auth"]);

    // The bloc's reminder days: its head sets them, 0 to 30.
    let path = format!("/api/v1/blocs/{}", d.bloc_id);
    assert_problem(
        app.patch_json(&path, &json!({"due_soon_days": 3}), &d.staff, None)
            .await,
        403,
    )
    .await;
    let p = assert_problem(
        app.patch_json(&path, &json!({"due_soon_days": 31}), &d.head, None)
            .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "due_soon_days");
    assert_eq!(
        app.patch_json(&path, &json!({"due_soon_days": 3}), &d.head, None)
            .await
            .status(),
        200
    );
    assert_eq!(app.get_json(&path, &d.staff).await.1["due_soon_days"], 3);

    // One's inbox and subscriptions are one's own: another person's ids are not found.
    let mine = inbox(&app, &d.staff).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_problem(mark_read(&app, &mine, &d.deputy).await, 404).await;
    let res = subscribe(&app, &d.staff, &push, "cuong").await;
    let sub = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/me/push-subscriptions/{sub}")))
        .bearer_auth(&d.deputy)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404).await;
    assert_eq!(
        inbox(&app, &d.staff).await["unread_count"],
        1,
        "still unread"
    );

    // A recurrence beyond 400 a year.
    let res = app
        .post_json("/api/v1/task-series", &json!({"title": "Giao ban", "description": "x", "expected_result": "y",
            "lead_organisation_id": i.mttq, "assignee_id": i.cuong, "rule": "FREQ=HOURLY", "start_on": "2016-02-08"}), Some(&d.head))
        .await;
    let p = assert_problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "rule");

    // A mention of someone of another bloc notifies nobody and shows nobody.
    let (_, other_head) = app
        .other_bloc(
            &d.admin,
            "Khối xã Quảng Minh",
            "Quảng Ninh",
            "quangminh.head",
        )
        .await;
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{task}/comments"),
            &json!({"body": "@quangminh.head xem giúp"}),
            Some(&d.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["mentions"], json!([]));
    assert_eq!(inbox(&app, &other_head).await["items"], json!([]));
    // And another bloc cannot even see the task to comment on it.
    let res = app
        .post_json(
            &format!("/api/v1/tasks/{task}/comments"),
            &json!({"body": "?"}),
            Some(&other_head),
        )
        .await;
    assert_problem(res, 404).await;

    // Someone else's comment: 403; one's own after 15 minutes: 409; retracted: text hidden.
    let id = c["id"].as_str().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/comments/{id}"),
            &json!({"body": "sửa"}),
            &d.deputy,
            None,
        )
        .await;
    assert_problem(res, 403).await;
    let res = app
        .patch_json(
            &format!("/api/v1/comments/{id}"),
            &json!({"body": "@demo.staff xem giúp"}),
            &d.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        khoi::entities::comment::Entity::update_many()
            .col_expr(
                khoi::entities::comment::Column::CreatedAt,
                Expr::value(chrono::Utc::now() - chrono::Duration::minutes(16)),
            )
            .filter(khoi::entities::comment::Column::Id.eq(uuid::Uuid::parse_str(id).unwrap()))
            .exec(&app.state.db)
            .await
            .unwrap();
    }
    let res = app
        .patch_json(
            &format!("/api/v1/comments/{id}"),
            &json!({"body": "muộn"}),
            &d.head,
            None,
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .patch_json(
            &format!("/api/v1/comments/{id}"),
            &json!({"retracted": true}),
            &d.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["retracted"], true);
    assert_eq!(c["body"], Value::Null);
    // The comment is in the task's history.
    let (_, h) = app
        .get_json(&format!("/api/v1/tasks/{task}/history"), &d.staff)
        .await;
    assert!(
        h["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "comment")
    );
}

#[tokio::test]
async fn a_dead_push_subscription_is_removed_and_a_planned_meeting_invites() {
    let push = Push::start().await;
    let app = spawn_app_with(|c| c.fixed_today = Some(day("2016-02-08"))).await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    prefer(&app, &d.staff, json!({"quiet_hours": false})).await;
    assert_eq!(subscribe(&app, &d.staff, &push, "gone").await.status(), 201);
    let binh = id_of(&app, "/api/v1/staff?q=tran van binh", &d.head).await;
    let res = app
        .post_json(
            "/api/v1/meetings",
            &json!({"kind": "weekly_leadership", "status": "planned", "held_on": "2016-02-09",
                    "agenda": "Giao ban tuần", "attendee_ids": [i.cuong, binh]}),
            Some(&d.head),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["status"], "planned");
    let b = inbox(&app, &d.staff).await;
    assert_eq!(b["items"][0]["kind"], "meeting_invited");
    // The push service answers 410: the subscription is removed.
    eventually(20, async || {
        let (_, v) = app
            .get_json("/api/v1/me/push-subscriptions", &d.staff)
            .await;
        (v["items"] == json!([])).then_some(())
    })
    .await
    .expect("the dead subscription is removed");
    // Minutes wait until it is held; then it is held.
    let id = m["id"].as_str().unwrap();
    let res = app
        .patch_json(
            &format!("/api/v1/meetings/{id}"),
            &json!({"minutes": "…"}),
            &d.head,
            None,
        )
        .await;
    assert_problem(res, 422).await;
    let res = app
        .post_json(
            &format!("/api/v1/meetings/{id}/decisions"),
            &json!({"text": "Thống nhất lịch giao ban."}),
            Some(&d.head),
        )
        .await;
    assert_problem(res, 409).await;
    let res = app
        .patch_json(
            &format!("/api/v1/meetings/{id}"),
            &json!({"status": "cancelled"}),
            &d.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .patch_json(
            &format!("/api/v1/meetings/{id}"),
            &json!({"status": "held"}),
            &d.head,
            None,
        )
        .await;
    assert_problem(res, 409).await;
}

/// A directive sent down waits on the child bloc's head; an unsettled recommendation is
/// followed up before and after its deadline by the bloc head and the supervision's leaders.
#[tokio::test]
async fn directives_sent_down_and_recommendations_due_are_followed_up() {
    let app = scheduled_on("2016-02-08").await;
    let d = app.seed_demo().await;
    let res = app
        .post_json(
            "/api/v1/blocs",
            &json!({"name": "Khối xã Quảng Long", "level": "commune", "parent_id": d.bloc_id,
                    "head": {"full_name": "Vi Thị Hạnh", "username": "quanglong.head", "password": crate::helpers::DEMO_PASSWORD}}),
            Some(&d.admin),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let child: Value = res.json().await.unwrap();
    let child_id = child["id"]
        .as_str()
        .or(child["bloc"]["id"].as_str())
        .unwrap()
        .to_string();
    let child_head = app
        .first_sign_in("quanglong.head", crate::helpers::DEMO_PASSWORD)
        .await
        .access;
    let directive = id_of(&app, "/api/v1/directives?q=292", &d.head).await;
    let res = app
        .post_json(
            &format!("/api/v1/directives/{directive}/dispatches"),
            &json!({"bloc_ids": [child_id], "sent_on": "2016-02-08", "due_on": "2016-02-20"}),
            Some(&d.head),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let b = inbox(&app, &child_head).await;
    assert_eq!(b["items"][0]["kind"], "directive_waiting", "{b}");
    assert!(
        b["items"][0]["body"]
            .as_str()
            .unwrap()
            .contains("20/02/2016")
    );

    let res = app
        .post_json(
            "/api/v1/supervisions",
            &json!({"kind": "supervision", "title": "Giám sát thực hiện quy chế dân chủ ở cơ sở",
                    "subject": "UBND xã Quảng Long", "planned_start_on": "2016-02-01", "planned_end_on": "2016-02-05"}),
            Some(&d.deputy),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let sup = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .patch_json(
            &format!("/api/v1/supervisions/{sup}"),
            &json!({"status": "in_progress"}),
            &d.deputy,
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .post_json(
            &format!("/api/v1/supervisions/{sup}/recommendations"),
            &json!({"text": "Công khai danh sách hộ nghèo tại nhà văn hóa thôn.", "addressee": "UBND xã Quảng Long", "due_on": "2016-02-09"}),
            Some(&d.deputy),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let rec = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for token in [&d.head, &d.deputy] {
        eventually(20, async || {
            (kinds_about(&inbox(&app, token).await, "recommendation_due_soon", &rec) == 1)
                .then_some(())
        })
        .await
        .expect("told the recommendation is due soon");
    }
    let later = app
        .another_instance(|c| c.fixed_today = Some(day("2016-02-10")))
        .await;
    for token in [&d.head, &d.deputy] {
        eventually(20, async || {
            (kinds_about(&inbox(&later, token).await, "recommendation_overdue", &rec) == 1)
                .then_some(())
        })
        .await
        .expect("told the recommendation is overdue");
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        kinds_about(
            &inbox(&later, &d.head).await,
            "recommendation_overdue",
            &rec
        ),
        1,
        "once"
    );
    assert_eq!(
        kinds_about(
            &inbox(&later, &d.staff).await,
            "recommendation_overdue",
            &rec
        ),
        0,
        "not staff"
    );
}

/// From the 25th, the person covering a unit that reported last month and not yet this month
/// is told, once.
#[tokio::test]
async fn a_unit_without_this_months_figure_is_followed_up() {
    let app = scheduled_on("2016-02-25").await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let ok = async |path: &str, body: Value| {
        let res = app.post_json(path, &body, Some(&d.head)).await;
        let status = res.status();
        let v: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{path}: {v}");
        v["id"].as_str().unwrap().to_string()
    };
    let campaign = ok("/api/v1/campaigns", json!({"name": "Vận động xây dựng nhà văn hóa thôn", "kind": "drive",
        "lead_organisation_id": i.mttq, "participating_organisation_ids": [], "start_on": "2016-01-01", "end_on": "2016-12-31"})).await;
    let target = ok(
        &format!("/api/v1/campaigns/{campaign}/targets"),
        json!({"indicator": "Số nhà văn hóa được sửa chữa",
        "measure": "count", "aggregation": "sum", "target_value": 12, "due_on": "2016-12-31"}),
    )
    .await;
    let (_, units) = app.get_json("/api/v1/units", &d.head).await;
    let (unit, name) = (
        units["items"][0]["id"].as_str().unwrap().to_string(),
        units["items"][0]["name"].as_str().unwrap().to_string(),
    );
    ok(
        &format!("/api/v1/campaigns/{campaign}/targets/{target}/measurements"),
        json!({"unit_id": unit, "measured_on": "2016-01-31",
        "value": 2, "source": "Báo cáo của thôn"}),
    )
    .await;
    ok("/api/v1/unit-assignments", json!({"staff_id": i.cuong, "unit_id": unit, "purpose": "election_monitoring", "start_on": "2016-01-01"})).await;
    let got = eventually(20, async || {
        let b = inbox(&app, &d.staff).await;
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == "figure_missing" && n["resource_id"] == target.as_str())
            .cloned()
    })
    .await
    .expect("the covering person is told");
    assert_eq!(
        got["title"],
        format!("{name} chưa báo cáo số liệu tháng 02/2016")
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let b = inbox(&app, &d.staff).await;
    let n = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "figure_missing" && n["resource_id"] == target.as_str())
        .count();
    assert_eq!(n, 1, "once");
}

/// One scheduler pass on `today`, run by the test itself.
async fn pass_on(app: &TestApp, today: &str) -> khoi::scheduler::Pass {
    khoi::clock::FIXED_TODAY
        .scope(Some(day(today)), khoi::scheduler::pass(&app.state.db))
        .await
        .unwrap()
}

/// A series creates its instances ahead, pauses, resumes, changes only what is still to come,
/// and ends for good.
#[tokio::test]
async fn a_series_pauses_resumes_changes_the_future_only_and_ends() {
    let app = spawn_app_with(|c| c.fixed_today = Some(day("2016-02-08"))).await;
    let d = app.seed_demo().await;
    let i = ids(&app, &d).await;
    let res = app
        .post_json(
            "/api/v1/task-series",
            &json!({"title": "Giao ban tuần", "description": "Giao ban công tác tuần của Thường trực Khối",
                    "expected_result": "Thông báo kết luận giao ban", "lead_organisation_id": i.mttq,
                    "assignee_id": i.cuong, "rule": "FREQ=WEEKLY;BYDAY=MO", "start_on": "2016-02-08"}),
            Some(&d.head),
        )
        .await;
    assert_eq!(res.status(), 201);
    let s: Value = res.json().await.unwrap();
    let path = format!("/api/v1/task-series/{}", s["id"].as_str().unwrap());
    let titles = async || -> Vec<String> {
        let (_, v) = app
            .get_json("/api/v1/tasks?q=giao ban tuan&limit=100", &d.head)
            .await;
        let mut t: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect();
        t.sort();
        t
    };
    // Seven days ahead by default: this Monday's and next Monday's.
    assert_eq!(pass_on(&app, "2016-02-08").await.instances, 2);
    assert_eq!(
        pass_on(&app, "2016-02-08").await.instances,
        0,
        "never twice"
    );
    assert_eq!(
        titles().await,
        vec!["Giao ban tuần (08/02/2016)", "Giao ban tuần (15/02/2016)"]
    );
    let res = app
        .patch_json(&path, &json!({"status": "paused"}), &d.head, None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(pass_on(&app, "2016-02-15").await.instances, 0, "paused");
    let res = app
        .patch_json(
            &path,
            &json!({"status": "active", "title": "Giao ban Thường trực"}),
            &d.head,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(pass_on(&app, "2016-02-15").await.instances, 1);
    assert_eq!(
        titles().await,
        vec![
            "Giao ban Thường trực (22/02/2016)",
            "Giao ban tuần (08/02/2016)",
            "Giao ban tuần (15/02/2016)"
        ],
        "what was created keeps its title; what is still to come takes the new one"
    );
    let res = app
        .patch_json(&path, &json!({"status": "ended"}), &d.head, None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(pass_on(&app, "2016-02-29").await.instances, 0, "ended");
    assert_problem(
        app.patch_json(&path, &json!({"status": "active"}), &d.head, None)
            .await,
        409,
    )
    .await;
}

/// A VAPID key that is not one stops the start, naming the variable.
#[tokio::test]
async fn a_bad_vapid_key_stops_the_start() {
    let dir = crate::helpers::test_data_dir();
    let mut config = crate::helpers::test_config(dir, None);
    config.notifications.vapid_private_key = Some(khoi::config::Secret::new("không-phải-khóa"));
    let err = khoi::startup::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("KHOI_VAPID_PRIVATE_KEY"), "{err}");
}

/// The inbox is kept per person at its version: it is never answered as it was once it
/// changed — a new notification, one marked read, all marked read — on the instance that
/// made the change or on another that kept the old page.
#[tokio::test]
async fn a_kept_inbox_follows_every_change_on_every_instance() {
    let app = spawn_app_with(|c| c.fixed_today = Some(day("2016-02-08"))).await;
    let d = app.seed_demo().await;
    let other = app.another_instance(|_| {}).await;
    let i = ids(&app, &d).await;
    let unread = |v: &Value| v["unread_count"].as_u64().unwrap();
    let n0 = unread(&inbox(&app, &d.staff).await);
    assert_eq!(unread(&inbox(&other, &d.staff).await), n0);
    // Read twice: the second answer is the kept one.
    assert_eq!(unread(&inbox(&other, &d.staff).await), n0);

    // A kept page carries the tag of its body, and a phone that has it gets 304.
    let get = |a: &TestApp, tag: Option<String>| {
        let mut r = a
            .client
            .get(a.url("/api/v1/me/notifications?limit=200"))
            .bearer_auth(&d.staff);
        if let Some(t) = tag {
            r = r.header("if-none-match", t);
        }
        r.send()
    };
    let first = get(&app, None).await.unwrap();
    let tag = etag(&first);
    assert!(tag.starts_with("W/"), "{tag}");
    let kept = get(&app, Some(tag.clone())).await.unwrap();
    assert_eq!(kept.status(), 304);
    assert_eq!(etag(&kept), tag);

    let task = assigned_task(
        &app,
        &d,
        &i,
        "Rà soát hộ nghèo quý I",
        "2016-02-20",
        "normal",
    )
    .await;
    for a in [&app, &other] {
        let changed = get(a, Some(tag.clone())).await.unwrap();
        assert_eq!(changed.status(), 200, "{}", a.address);
        assert_ne!(etag(&changed), tag);
    }
    for a in [&app, &other] {
        let v = inbox(a, &d.staff).await;
        assert_eq!(unread(&v), n0 + 1, "{}", a.address);
        assert_eq!(kinds_about(&v, "assigned", &task), 1);
    }
    let id = inbox(&app, &d.staff).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "assigned" && n["resource_id"] == task)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(mark_read(&other, &id, &d.staff).await.status(), 200);
    for a in [&app, &other] {
        let v = inbox(a, &d.staff).await;
        assert_eq!(unread(&v), n0, "{}", a.address);
        let item = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id.as_str())
            .unwrap();
        assert_eq!(item["read"], true);
    }
    let res = app
        .post_json(
            "/api/v1/me/notifications/read-all",
            &Value::Null,
            Some(&d.staff),
        )
        .await;
    assert_eq!(res.status(), 200);
    for a in [&app, &other] {
        assert_eq!(unread(&inbox(a, &d.staff).await), 0, "{}", a.address);
        let (_, only_unread) = a
            .get_json("/api/v1/me/notifications?unread=true", &d.staff)
            .await;
        assert_eq!(only_unread["items"], json!([]));
    }
    // Another person's inbox is theirs: the head's kept page is not the staff member's.
    assert_ne!(
        inbox(&app, &d.head).await["items"],
        inbox(&app, &d.staff).await["items"]
    );
}

/// The service emailing through `smtp`, its senders polling every 50 ms.
async fn emailing(smtp: &Smtp) -> TestApp {
    let smtp_cfg = smtp.config();
    spawn_app_with(|c| {
        c.notifications.smtp = Some(smtp_cfg);
        c.notifications.poll_interval = Duration::from_millis(50);
    })
    .await
}

/// An inbox row not yet dispatched, as the scheduler writes an overdue reminder.
fn overdue(account: uuid::Uuid, title: &str) -> khoi::entities::notification::ActiveModel {
    use sea_orm::Set;
    khoi::entities::notification::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        account_id: Set(account),
        bloc_id: Set(None),
        kind: Set("overdue".into()),
        title: Set(title.into()),
        body: Set("Nhiệm vụ đã quá hạn 1 ngày.".into()),
        href: Set(None),
        resource_type: Set(None),
        resource_id: Set(None),
        urgent: Set(false),
        dedupe_key: Set(None),
        read_at: Set(None),
        dispatched: Set(false),
        created_at: Set(chrono::Utc::now()),
    }
}

/// A run of emails goes through the kept SMTP connections, each signed in once: 100 emails,
/// several batches of sends, reach the server over at most `SMTP_CONNECTIONS` of them.
/// (lettre keeps only its pool's size: sending 32 at once opened a connection, with its TLS
/// handshake and AUTH, for each one beyond it.)
#[tokio::test]
async fn many_emails_go_through_a_few_kept_smtp_connections() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let smtp = Smtp::start().await;
    let app = emailing(&smtp).await;
    let d = app.seed_demo().await;
    prefer(
        &app,
        &d.staff,
        json!({"email": "cuong.ly@haiha.vn", "quiet_hours": false}),
    )
    .await;
    let (_, me) = app.get_json("/api/v1/me", &d.staff).await;
    let account: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    let rows = |from: usize| {
        (from..from + 100).map(move |i| overdue(account, &format!("Quá hạn: nhiệm vụ {i}")))
    };
    khoi::entities::notification::Entity::insert_many(rows(0))
        .exec(&app.state.db)
        .await
        .unwrap();
    let got = eventually(30, async || {
        let m = smtp.messages();
        (m.len() >= 100).then_some(m)
    })
    .await
    .expect("the 100 emails reach the SMTP server");
    let connections: std::collections::HashSet<u64> = got
        .iter()
        .map(|m| m["client_port"].as_u64().unwrap())
        .collect();
    assert!(
        connections.len() <= khoi::notifications::email::SMTP_CONNECTIONS,
        "{} connections for {} emails",
        connections.len(),
        got.len()
    );

    // Two instances at once: each email is claimed by one of them and sent once.
    let other = app.another_instance(|_| {}).await;
    khoi::entities::notification::Entity::insert_many(rows(100))
        .exec(&app.state.db)
        .await
        .unwrap();
    let ours = || {
        smtp.messages()
            .iter()
            .filter_map(|m| m["subject"].as_str().map(str::to_string))
            .filter(|s| s.starts_with("[Khối] Quá hạn: nhiệm vụ "))
            .collect::<Vec<String>>()
    };
    eventually(30, async || (ours().len() >= 200).then_some(()))
        .await
        .expect("the next 100 emails reach the SMTP server");
    tokio::time::sleep(Duration::from_millis(500)).await; // more turns on both instances
    let ours = ours();
    let distinct: std::collections::HashSet<&String> = ours.iter().collect();
    assert_eq!(ours.len(), 200, "each email sent once");
    assert_eq!(distinct.len(), 200, "each email sent once");
    let sends = khoi::entities::notification_send::Entity::find()
        .filter(khoi::entities::notification_send::Column::AccountId.eq(account))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(sends.len() >= 200, "{} sends", sends.len());
    assert!(
        sends
            .iter()
            .all(|s| s.status == "sent" && s.attempts == 1 && s.claimed_by.is_none()),
        "every send recorded as sent at the first attempt"
    );
    drop(other);
}

/// An email goes to the address a person's preferences name, or else to their staff record's;
/// a person with neither gets no email. The addresses of a batch of inbox rows are looked up
/// together, so several rows of one person and people of each kind are mixed in one batch.
#[tokio::test]
async fn an_email_goes_to_the_preferred_address_or_the_staff_records() {
    use khoi::entities::{account, notification, staff};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let smtp = Smtp::start().await;
    let app = emailing(&smtp).await;
    let d = app.seed_demo().await;
    let db = &app.state.db;
    let account_of = async |username: &str| {
        account::Entity::find()
            .filter(account::Column::Username.eq(username))
            .one(db)
            .await
            .unwrap()
            .unwrap()
    };
    let with_staff_email = async |username: &str, email: &str| {
        let a = account_of(username).await;
        let s = staff::Entity::find_by_id(a.staff_id.expect("a demo account with a staff record"))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let mut s: staff::ActiveModel = s.into();
        s.email = Set(Some(email.into()));
        s.update(db).await.unwrap();
        a.id
    };
    // demo.staff: only the staff record's address; demo.deputy: both, the preference wins;
    // demo.head: neither.
    let staff = with_staff_email("demo.staff", "cuong.ly@haiha.vn").await;
    let deputy = with_staff_email("demo.deputy", "pho.khoi@haiha.vn").await;
    prefer(
        &app,
        &d.deputy,
        json!({"email": "nhan.thu@haiha.vn", "quiet_hours": false}),
    )
    .await;
    prefer(&app, &d.staff, json!({"quiet_hours": false})).await;
    prefer(&app, &d.head, json!({"quiet_hours": false})).await;
    let head = account_of("demo.head").await.id;
    notification::Entity::insert_many([
        overdue(staff, "Quá hạn: báo cáo tháng 1"),
        overdue(head, "Quá hạn: báo cáo tháng 2"),
        overdue(deputy, "Quá hạn: báo cáo tháng 3"),
        overdue(staff, "Quá hạn: báo cáo tháng 4"),
    ])
    .exec(db)
    .await
    .unwrap();
    let ours = || {
        let mut m: Vec<(String, Value)> = smtp
            .messages()
            .iter()
            .filter_map(|m| Some((m["subject"].as_str()?.to_string(), m["to"].clone())))
            .filter(|(s, _)| s.starts_with("[Khối] Quá hạn: báo cáo tháng "))
            .collect();
        m.sort_by(|a, b| a.0.cmp(&b.0));
        m
    };
    eventually(20, async || (ours().len() >= 3).then_some(()))
        .await
        .expect("three emails reach the SMTP server");
    tokio::time::sleep(Duration::from_millis(300)).await; // a fourth would have come by now
    assert_eq!(
        ours(),
        vec![
            (
                "[Khối] Quá hạn: báo cáo tháng 1".into(),
                json!(["cuong.ly@haiha.vn"])
            ),
            (
                "[Khối] Quá hạn: báo cáo tháng 3".into(),
                json!(["nhan.thu@haiha.vn"])
            ),
            (
                "[Khối] Quá hạn: báo cáo tháng 4".into(),
                json!(["cuong.ly@haiha.vn"])
            ),
        ]
    );
}

/// Two instances choose the same sends: the one whose update waited on another's claim leaves
/// those sends to it. PostgreSQL checks an update's own condition again on the row it waited
/// for, but not the subquery that chose the row, so the claim's condition is in both.
#[tokio::test]
async fn sends_another_instance_claimed_meanwhile_are_left_to_it() {
    use khoi::entities::notification_send as send;
    use khoi::notifications::{dto::Channel, sends};
    use sea_orm::{
        ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement,
        sea_query::Expr,
    };
    let app = spawn_app_with(|_| {}).await;
    let d = app.seed_demo().await;
    let db = app.state.db.clone();
    let (_, me) = app.get_json("/api/v1/me", &d.staff).await;
    let account: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    // Due in an hour, so this instance's own sender leaves them; the claims look from two.
    let now = chrono::Utc::now() + chrono::Duration::hours(2);
    let due = now - chrono::Duration::hours(1);
    send::Entity::insert_many((0..10).map(|i| {
        sends::new_send(
            account,
            None,
            Channel::Email,
            format!("canbo{i}@haiha.vn"),
            "{}".into(),
            due,
        )
    }))
    .exec(&db)
    .await
    .unwrap();
    // Instance "a" claims them and has not committed yet.
    let a = khoi::db::begin_write(&db).await.unwrap();
    send::Entity::update_many()
        .col_expr(send::Column::ClaimedBy, Expr::value("a"))
        .col_expr(
            send::Column::ClaimedUntil,
            Expr::value(now + chrono::Duration::minutes(2)),
        )
        .filter(send::Column::AccountId.eq(account))
        .exec(&a)
        .await
        .unwrap();
    // Instance "b" chooses the same rows, still free to it, and waits for them.
    let b = {
        let db = db.clone();
        tokio::spawn(async move { sends::claim(&db, "b", 10, now).await })
    };
    if db.get_database_backend() == DbBackend::Postgres {
        let waiting = Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
             AND datname = current_database() AND query LIKE 'UPDATE \"notification_sends\"%'",
        );
        eventually(10, async || {
            let row = db.query_one_raw(waiting.clone()).await.unwrap().unwrap();
            (row.try_get::<i64>("", "n").unwrap() > 0).then_some(())
        })
        .await
        .expect("b's claim waits on a's rows");
    } else {
        // SQLite: b waits for the one writer, and then reads a's claim committed.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    a.commit().await.unwrap();
    let taken = b.await.unwrap().unwrap();
    assert!(taken.is_empty(), "b took {} sends a held", taken.len());
    let rows = send::Entity::find()
        .filter(send::Column::AccountId.eq(account))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|s| s.claimed_by.as_deref() == Some("a")));
}
