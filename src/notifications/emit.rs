//! Writing notifications, in the transaction of what caused them. Only the inbox row is
//! written here; its emails and pushes are queued later by the instance that claims it
//! (`sends`), so a request never waits on a mail server or a push service.
use super::dto::Kind;
use crate::{
    auth::Role,
    entities::{
        account, directive, directive_dispatch, inbox_version, notification, organisation,
        recommendation, sub_committee, supervision, task,
    },
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Set,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};
use uuid::Uuid;

/// One notification, before it is addressed.
pub struct Note {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub href: Option<String>,
    pub resource: Option<(&'static str, Uuid)>,
    pub bloc_id: Option<Uuid>,
    pub urgent: bool,
    /// For time-based ones: written at most once per person and key.
    pub once: Option<String>,
}

/// A date as Vietnamese readers write it.
pub fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A task's path in this API.
pub fn task_href(id: Uuid) -> String {
    format!("{}/tasks/{id}", crate::state::API_PREFIX)
}

/// Writes `note` to the inbox of every active account among `accounts`, except `except` (who
/// caused it: nobody is told of their own act). Returns how many were written.
pub async fn to_accounts(
    conn: &impl ConnectionTrait,
    accounts: &[Uuid],
    except: Option<Uuid>,
    note: &Note,
) -> Result<u32, DbErr> {
    let mut ids: Vec<Uuid> = accounts
        .iter()
        .copied()
        .filter(|a| Some(*a) != except)
        .collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(0);
    }
    let active: Vec<Uuid> = account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .filter(account::Column::Active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let now = Utc::now();
    let mut written = Vec::new();
    for a in active {
        let row = notification::ActiveModel {
            id: Set(Uuid::now_v7()),
            account_id: Set(a),
            bloc_id: Set(note.bloc_id),
            kind: Set(note.kind.as_str().into()),
            title: Set(note.title.clone()),
            body: Set(note.body.clone()),
            href: Set(note.href.clone()),
            resource_type: Set(note.resource.map(|r| r.0.to_string())),
            resource_id: Set(note.resource.map(|r| r.1)),
            urgent: Set(note.urgent),
            dedupe_key: Set(note.once.as_ref().map(|k| format!("{k}:{a}"))),
            read_at: Set(None),
            dispatched: Set(false),
            created_at: Set(now),
        };
        match notification::Entity::insert(row)
            .on_conflict(
                OnConflict::column(notification::Column::DedupeKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec(conn)
            .await
        {
            Ok(_) => written.push(a),
            Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    touch(conn, &written).await?;
    Ok(written.len() as u32)
}

/// Moves the inboxes' version of these accounts, in the transaction that changed them: a kept
/// inbox is keyed by it (see `handlers::inbox`).
pub async fn touch(conn: &impl ConnectionTrait, accounts: &[Uuid]) -> Result<(), DbErr> {
    if accounts.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    let mut ids = accounts.to_vec();
    ids.sort();
    ids.dedup();
    if backend == DbBackend::Postgres {
        // Moved at the commit, by a deferred trigger that first takes the change feed's lock
        // (migration 33): two commits never take versions in opposite orders, so they cannot
        // deadlock on them, and nothing is held from here to the commit. (SQLite has one writer
        // at a time.)
        let mut q = Query::insert();
        q.into_table(Alias::new("inbox_touches"))
            .columns([Alias::new("account_id")]);
        for id in ids {
            q.values_panic([id.into()]);
        }
        conn.execute_raw(backend.build(&q)).await?;
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table(inbox_version::Entity).columns([
        inbox_version::Column::AccountId,
        inbox_version::Column::Version,
    ]);
    for id in ids {
        q.values_panic([id.into(), 1i64.into()]);
    }
    q.on_conflict(
        OnConflict::column(inbox_version::Column::AccountId)
            .value(
                inbox_version::Column::Version,
                Expr::col((inbox_version::Entity, inbox_version::Column::Version)).add(1),
            )
            .to_owned(),
    );
    conn.execute_raw(backend.build(&q)).await?;
    Ok(())
}

/// The accounts of these staff members.
pub async fn accounts_of_staff(
    conn: &impl ConnectionTrait,
    staff: &[Uuid],
) -> Result<Vec<Uuid>, DbErr> {
    if staff.is_empty() {
        return Ok(vec![]);
    }
    Ok(account::Entity::find()
        .filter(account::Column::StaffId.is_in(staff.to_vec()))
        .filter(account::Column::Active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect())
}

/// The accounts of a bloc's heads.
pub async fn bloc_heads(conn: &impl ConnectionTrait, bloc: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(account::Entity::find()
        .filter(account::Column::BlocId.eq(bloc))
        .filter(account::Column::Role.eq(Role::BlocHead.as_str()))
        .filter(account::Column::Active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect())
}

/// Those who answer for a task besides its assignee: the deputy head heading its
/// sub-committee and the head of its lead organisation (staff ids).
pub async fn responsible_for(
    conn: &impl ConnectionTrait,
    t: &task::Model,
) -> Result<Vec<Uuid>, DbErr> {
    let mut out = Vec::new();
    if let Some(s) = t.sub_committee_id
        && let Some(sc) = sub_committee::Entity::find_by_id(s).one(conn).await?
        && let Some(h) = sc.head_staff_id
    {
        out.push(h);
    }
    if let Some(o) = t.lead_organisation_id
        && let Some(org) = organisation::Entity::find_by_id(o).one(conn).await?
        && let Some(h) = org.head_staff_id
    {
        out.push(h);
    }
    Ok(out)
}

fn task_note(kind: Kind, t: &task::Model, title: String, body: String) -> Note {
    Note {
        kind,
        title,
        body,
        href: Some(task_href(t.id)),
        resource: Some(("task", t.id)),
        bloc_id: Some(t.bloc_id),
        urgent: t.priority >= 4,
        once: None,
    }
}

fn due_text(t: &task::Model) -> String {
    t.due_date
        .map(|d| format!("Hạn hoàn thành: {}.", vn_date(d)))
        .unwrap_or_default()
}

/// Tells the people concerned of a move of the task workflow: `before` and `after` are the
/// task around the move, `actor` the account that made it.
pub async fn task_moved(
    conn: &impl ConnectionTrait,
    actor: Uuid,
    action: &str,
    before: &task::Model,
    after: &task::Model,
    reason: Option<&str>,
) -> Result<(), DbErr> {
    let title = &after.title;
    let why = reason.map(|r| format!("Lý do: {r}")).unwrap_or_default();
    let to_staff = |s: Option<Uuid>| s.into_iter().collect::<Vec<_>>();
    match action {
        "assign" | "reassign" => {
            let to = accounts_of_staff(conn, &to_staff(after.assignee_id)).await?;
            let note = task_note(
                Kind::Assigned,
                after,
                format!("Bạn được giao nhiệm vụ: {title}"),
                due_text(after),
            );
            to_accounts(conn, &to, Some(actor), &note).await?;
            if action == "reassign" && before.assignee_id != after.assignee_id {
                let away = accounts_of_staff(conn, &to_staff(before.assignee_id)).await?;
                let note = task_note(
                    Kind::ReassignedAway,
                    after,
                    format!("Nhiệm vụ đã được giao cho người khác: {title}"),
                    why,
                );
                to_accounts(conn, &away, Some(actor), &note).await?;
            }
        }
        "return" => {
            let to = accounts_of_staff(conn, &to_staff(after.assignee_id)).await?;
            let note = task_note(
                Kind::Returned,
                after,
                format!("Nhiệm vụ bị trả lại: {title}"),
                why,
            );
            to_accounts(conn, &to, Some(actor), &note).await?;
        }
        "submit" => {
            let mut to = bloc_heads(conn, after.bloc_id).await?;
            if let Some(s) = after.sub_committee_id
                && let Some(sc) = sub_committee::Entity::find_by_id(s).one(conn).await?
            {
                to.extend(accounts_of_staff(conn, &to_staff(sc.head_staff_id)).await?);
            }
            let note = task_note(
                Kind::Submitted,
                after,
                format!("Nhiệm vụ chờ bạn xem xét: {title}"),
                format!("Đã báo cáo kết quả, tiến độ {}%.", after.progress),
            );
            to_accounts(conn, &to, Some(actor), &note).await?;
        }
        "complete" => {
            let mut to = accounts_of_staff(conn, &to_staff(after.assignee_id)).await?;
            to.push(after.created_by);
            let note = task_note(
                Kind::Completed,
                after,
                format!("Nhiệm vụ đã hoàn thành: {title}"),
                after
                    .completed_on
                    .map(|d| format!("Hoàn thành ngày {}.", vn_date(d)))
                    .unwrap_or_default(),
            );
            to_accounts(conn, &to, Some(actor), &note).await?;
        }
        _ => {}
    }
    Ok(())
}

/// The due-soon or overdue reminder of one task for one deadline: the assignee (and, when
/// overdue, those who answer for it). Written once per person, task and deadline.
pub async fn task_reminder(
    conn: &impl ConnectionTrait,
    t: &task::Model,
    today: NaiveDate,
    overdue: bool,
) -> Result<u32, DbErr> {
    let Some(due) = t.due_date else {
        return Ok(0);
    };
    let mut staff: Vec<Uuid> = t.assignee_id.into_iter().collect();
    let (kind, title, body) = if overdue {
        staff.extend(responsible_for(conn, t).await?);
        let late = (today - due).num_days();
        (
            Kind::Overdue,
            format!("Quá hạn: {}", t.title),
            format!(
                "Nhiệm vụ \"{}\" đã quá hạn {late} ngày (hạn {}).",
                t.title,
                vn_date(due)
            ),
        )
    } else {
        let left = (due - today).num_days();
        (
            Kind::DueSoon,
            if left == 0 {
                format!("Đến hạn hôm nay: {}", t.title)
            } else {
                format!("Còn {left} ngày đến hạn: {}", t.title)
            },
            format!("Nhiệm vụ \"{}\" đến hạn ngày {}.", t.title, vn_date(due)),
        )
    };
    let mut note = task_note(kind, t, title, body);
    note.once = Some(format!("{}:{}:{due}", kind.as_str(), t.id));
    let to = accounts_of_staff(conn, &staff).await?;
    to_accounts(conn, &to, None, &note).await
}

/// A directive sent down to a child bloc: its heads are asked to acknowledge it.
pub async fn directive_sent(
    conn: &impl ConnectionTrait,
    actor: Uuid,
    d: &directive::Model,
    dispatch: &directive_dispatch::Model,
    child: Uuid,
) -> Result<(), DbErr> {
    let to = bloc_heads(conn, child).await?;
    let note = Note {
        kind: Kind::DirectiveWaiting,
        title: format!("Văn bản chờ tiếp nhận: {} {}", d.number, d.title),
        body: dispatch
            .due_on
            .map(|due| format!("Đề nghị tiếp nhận và báo cáo trước ngày {}.", vn_date(due)))
            .unwrap_or_else(|| "Đề nghị tiếp nhận và báo cáo kết quả thực hiện.".into()),
        href: Some(format!(
            "{}/directives/{}/dispatches/{}",
            crate::state::API_PREFIX,
            d.id,
            dispatch.id
        )),
        resource: Some(("directive_dispatch", dispatch.id)),
        bloc_id: Some(child),
        urgent: false,
        once: None,
    };
    to_accounts(conn, &to, Some(actor), &note).await?;
    Ok(())
}

/// The due-soon or overdue reminder of an unsettled recommendation: the bloc's heads and those
/// who run its supervision follow it up with the addressee. Once per person, recommendation and
/// deadline.
pub async fn recommendation_reminder(
    conn: &impl ConnectionTrait,
    r: &recommendation::Model,
    today: NaiveDate,
    overdue: bool,
) -> Result<u32, DbErr> {
    let Some(due) = r.due_on else {
        return Ok(0);
    };
    let mut to = bloc_heads(conn, r.bloc_id).await?;
    if let Some(s) = supervision::Entity::find_by_id(r.supervision_id)
        .one(conn)
        .await?
    {
        let mut staff = Vec::new();
        if let Some(sc) = s.sub_committee_id
            && let Some(sc) = sub_committee::Entity::find_by_id(sc).one(conn).await?
        {
            staff.extend(sc.head_staff_id);
        }
        if let Some(o) = s.lead_organisation_id
            && let Some(o) = organisation::Entity::find_by_id(o).one(conn).await?
        {
            staff.extend(o.head_staff_id);
        }
        to.extend(accounts_of_staff(conn, &staff).await?);
    }
    let short: String = r.text.chars().take(120).collect();
    let (kind, title) = if overdue {
        (
            Kind::RecommendationOverdue,
            format!("Kiến nghị quá hạn trả lời: {short}"),
        )
    } else {
        (
            Kind::RecommendationDueSoon,
            format!("Kiến nghị sắp đến hạn trả lời: {short}"),
        )
    };
    let note = Note {
        kind,
        title,
        body: format!("Gửi {}; hạn {}.", r.addressee, vn_date(due)),
        href: Some(format!(
            "{}/supervisions/{}/recommendations/{}",
            crate::state::API_PREFIX,
            r.supervision_id,
            r.id
        )),
        resource: Some(("supervision_recommendation", r.id)),
        bloc_id: Some(r.bloc_id),
        urgent: false,
        once: Some(format!("{}:{}:{due}", kind.as_str(), r.id)),
    };
    let _ = today;
    to_accounts(conn, &to, None, &note).await
}
