//! The demo's province (issue 15): Quảng Ninh's province bloc and three commune blocs of the
//! 2025 map under it, made through the same services a client calls, so a newcomer sees work
//! sent down and answered: a directive sent to the three (reported, acknowledged, not yet
//! answered), a task delegated to the three (accepted and assigned, awaiting an answer,
//! declined), and a campaign cascaded to the three with their villages' figures.
use crate::{
    auth::{Caller, Role},
    concurrency::IfMatch,
    entities::account,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

pub const PROVINCE_BLOC: &str =
    "Khối Mặt trận Tổ quốc và các đoàn thể chính trị – xã hội tỉnh Quảng Ninh";
/// The communes of the old Hải Hà district on the 2025 map, their demo usernames and villages.
const COMMUNES: [(&str, &str, [&str; 2]); 3] = [
    ("Khối xã Quảng Hà", "demo.quangha", ["Thôn Bắc", "Thôn Nam"]),
    (
        "Khối xã Đường Hoa",
        "demo.duonghoa",
        ["Thôn Đông", "Thôn Tây"],
    ),
    (
        "Khối xã Quảng Tân",
        "demo.quangtan",
        ["Thôn Trung", "Thôn Thượng"],
    ),
];

/// "Khối xã Quảng Hà" → "xã Quảng Hà".
fn short(name: &str) -> &str {
    name.strip_prefix("Khối ").unwrap_or(name)
}

fn body<T: DeserializeOwned>(v: Value) -> anyhow::Result<T> {
    Ok(serde_json::from_value(v)?)
}

fn as_caller(account_id: Uuid, role: Role, bloc_id: Option<Uuid>) -> Caller {
    Caller {
        account_id,
        role,
        bloc_id,
        province: None,
        request_id: Some("seed-demo".into()),
        client: false,
        scope: None,
        idempotency: None,
        staffing: crate::auth::Known::Unchecked,
    }
}

fn any() -> IfMatch {
    IfMatch::parse(None).unwrap_or_else(|_| unreachable!("no header is any version"))
}

fn failed(what: &str) -> impl Fn(crate::error::ApiError) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("cannot seed {what}: {}", e.problem().detail)
}

/// A bloc opened with its head, whose demo account takes the demo password as its own.
async fn open(
    db: &DatabaseConnection,
    admin: &Caller,
    v: Value,
) -> anyhow::Result<(Uuid, Caller, Uuid)> {
    let b = crate::blocs::service::create(db, admin, body(v)?)
        .await
        .map_err(failed("a bloc"))?;
    let head = b.head.ok_or_else(|| anyhow::anyhow!("no head"))?;
    let mut am: account::ActiveModel = account::Entity::find_by_id(head.account.id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account"))?
        .into();
    am.must_change_password = Set(false);
    am.update(db).await?;
    Ok((
        b.bloc.id,
        as_caller(head.account.id, Role::BlocHead, Some(b.bloc.id)),
        head.staff.id,
    ))
}

pub async fn seed(db: &DatabaseConnection, password: &str) -> anyhow::Result<()> {
    let admin_id = account::Entity::find()
        .filter(account::Column::Role.eq("admin"))
        .one(db)
        .await?
        .map_or(Uuid::nil(), |a| a.id);
    let admin = as_caller(admin_id, Role::Admin, None);
    let head = |name: &str, user: &str| json!({"full_name": name, "position": "Trưởng khối", "username": user, "password": password});
    let (province, tinh, tinh_staff) = open(
        db,
        &admin,
        json!({"name": PROVINCE_BLOC, "level": "province", "province": "Quảng Ninh", "established_on": "2025-07-01",
               "founding_decision": "Quyết định thành lập năm 2025", "head": head("Phạm Thị Lan", "demo.tinh")}),
    )
    .await?;
    let org = crate::organisations::service::create(
        db,
        &tinh,
        body(json!({"code": "MTTQ", "name": "Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh", "kind": "fatherland_front", "head_staff_id": tinh_staff}))?,
    )
    .await
    .map_err(failed("the province's Front committee"))?;
    let mut communes = Vec::new();
    for (i, (name, user, villages)) in COMMUNES.iter().enumerate() {
        let (id, who, staff) = open(
            db,
            &admin,
            json!({"name": name, "level": "commune", "parent_id": province, "established_on": "2025-07-01",
                   "head": head(&format!("Trưởng khối {}", short(name)), user)}),
        )
        .await?;
        let front = crate::organisations::service::create(
            db,
            &who,
            body(json!({"code": "MTTQ", "name": format!("Ủy ban MTTQ {}", short(name)), "kind": "fatherland_front",
                        "head_staff_id": staff}))?,
        )
        .await
        .map_err(failed("a commune's Front committee"))?;
        let mut units = Vec::new();
        for (j, v) in villages.iter().enumerate() {
            let u = crate::units::service::create(
                db,
                &who,
                body(json!({"name": v, "kind": "village", "population": 1200 + 100 * (i + j), "households": 300 + 25 * (i + j)}))?,
            )
            .await
            .map_err(failed("a village"))?;
            units.push(u.id);
        }
        communes.push((id, who, staff, units, front.id));
    }
    let ids: Vec<Uuid> = communes.iter().map(|c| c.0).collect();

    // A directive sent down: reported by the first, acknowledged by the second.
    let d = crate::directives::service::create(
        db,
        &tinh,
        body(
            json!({"number": "01-CT/MTTQ-BTT", "issued_on": "2026-02-20",
                    "title": "Về tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026"}),
        )?,
    )
    .await
    .map_err(failed("the provincial directive"))?;
    let sent = crate::dispatches::service::send(
        db,
        &tinh,
        d.id,
        body(json!({"bloc_ids": ids, "sent_on": "2026-02-21", "due_on": "2026-03-31"}))?,
    )
    .await
    .map_err(failed("the directive's dispatches"))?;
    for (k, answer) in [
        json!({"acknowledged_on": "2026-02-23", "reported_on": "2026-03-20", "report": "Đã quán triệt đến 100% chi bộ, chi hội."}),
        json!({"acknowledged_on": "2026-02-24"}),
    ]
    .into_iter()
    .enumerate()
    {
        let dispatch = sent
            .iter()
            .find(|s| s.to_bloc_id == Some(ids[k]))
            .ok_or_else(|| anyhow::anyhow!("dispatch"))?;
        crate::dispatches::service::update(db, &communes[k].1, d.id, dispatch.id, &any(), body(answer)?)
            .await
            .map_err(failed("a commune's answer"))?;
    }

    // A task delegated down: accepted and assigned, awaiting an answer, declined.
    let t = crate::tasks::drafting::create_in(
        db,
        &tinh,
        body(json!({"title": "Tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư năm 2026",
                    "description": "Mỗi xã tổ chức Ngày hội ở tất cả thôn, khu; báo cáo kết quả về Ban Thường trực tỉnh.",
                    "expected_result": "100% thôn, khu tổ chức Ngày hội; báo cáo trước ngày 20/11/2026",
                    "lead_organisation_id": org.id, "assignee_id": tinh_staff, "opened_on": "2026-10-01",
                    "due_on": "2026-11-20", "key_task": true}))?,
    )
    .await
    .map_err(failed("the provincial task"))?;
    crate::tasks::delegations::delegate(
        db,
        &tinh,
        t.task.id,
        body(json!({"bloc_ids": ids, "sent_on": "2026-10-02", "due_on": "2026-11-15",
                    "note": "Các xã báo cáo kết quả trước ngày 15/11.", "waits_for_children": true}))?,
    )
    .await
    .map_err(failed("the delegation"))?;
    for (k, (_, who, staff, _, front)) in communes.iter().enumerate() {
        let received = crate::tasks::service::list(db, who, body(json!({"status": "received"}))?)
            .await
            .map_err(failed("a received task"))?;
        let Some(kid) = received
            .items
            .into_iter()
            .find(|x| x.parent_task_id == Some(t.task.id))
        else {
            continue;
        };
        let mv = |v: Value| body::<crate::tasks::dto::Transition>(v);
        match k {
            0 => {
                crate::tasks::moves::transition(
                    db,
                    who,
                    kid.id,
                    &any(),
                    mv(json!({"action": "accept", "occurred_on": "2026-10-03"}))?,
                )
                .await
                .map_err(failed("an acceptance"))?;
                crate::tasks::drafting::update(
                    db,
                    who,
                    kid.id,
                    &any(),
                    body(json!({"lead_organisation_id": front, "assignee_id": staff}))?,
                )
                .await
                .map_err(failed("the accepted task"))?;
                crate::tasks::moves::transition(
                    db,
                    who,
                    kid.id,
                    &any(),
                    mv(json!({"action": "assign", "occurred_on": "2026-10-04"}))?,
                )
                .await
                .map_err(failed("an assignment"))?;
            }
            2 => {
                crate::tasks::moves::transition(
                    db,
                    who,
                    kid.id,
                    &any(),
                    mv(json!({"action": "decline", "occurred_on": "2026-10-05",
                              "reason": "Xã đang kiện toàn bộ máy sau sáp nhập, đề nghị tỉnh giao lại vào quý I/2027."}))?,
                )
                .await
                .map_err(failed("a refusal"))?;
            }
            _ => {}
        }
    }

    // A campaign cascaded down, with the villages' figures of the first quarter.
    let c = crate::campaigns::service::create(
        db,
        &tinh,
        body(json!({"name": "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh", "kind": "movement",
                    "lead_organisation_id": org.id, "start_on": "2026-01-01", "end_on": "2026-12-31", "status": "active"}))?,
    )
    .await
    .map_err(failed("the provincial campaign"))?;
    crate::campaigns::targets::create_target(
        db,
        &tinh,
        c.id,
        body(json!({"indicator": "Tỷ lệ hộ gia đình đạt danh hiệu văn hóa", "measure": "percent", "aggregation": "ratio",
                    "baseline_value": 80, "target_value": 90, "due_on": "2026-12-31"}))?,
    )
    .await
    .map_err(failed("the campaign's target"))?;
    let kids = crate::campaigns::cascade::cascade(db, &tinh, c.id, body(json!({"bloc_ids": ids}))?)
        .await
        .map_err(failed("the cascade"))?;
    for (k, (id, who, _, units, _)) in communes.iter().enumerate() {
        let Some(kid) = kids.iter().find(|x| x.bloc_id == *id) else {
            continue;
        };
        let target = crate::campaigns::targets::targets_of(db, kid.id).await?;
        let Some(target) = target.first() else {
            continue;
        };
        let rows: Vec<Value> = units
            .iter()
            .enumerate()
            .map(|(j, u)| {
                json!({"unit_id": u, "measured_on": "2026-03-31", "numerator": 250 + 10 * (k + j), "denominator": 300 + 25 * (k + j),
                       "source": "Báo cáo của Ban công tác Mặt trận thôn"})
            })
            .collect();
        let txn = crate::db::begin_write(db).await?;
        crate::campaigns::figures::record_round_in(
            &txn,
            who,
            kid.id,
            target.id,
            body(Value::Array(rows))?,
        )
        .await
        .map_err(failed("the villages' figures"))?;
        txn.commit().await?;
    }
    Ok(())
}
