//! Progress reports on a task: posted on their own or with the `submit` move.
use super::dates::day_of_move;
use super::service::{RESOURCE, dto, status_of, target};
use super::{
    dto::{NewReport, PageQuery, ReportDto},
    workflow::Status,
};
use crate::{
    audit,
    auth::Caller,
    concurrency::save_if_unchanged,
    entities::{task, task_report},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Page, SortField},
    policy::{self, Action, Actor, Resource},
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

pub(super) fn check_report(c: &mut Checks, field: &str, r: &NewReport) -> (String, Vec<String>) {
    let text = c
        .opt_long_text(&format!("{field}text"), Some(&r.text), 10_000)
        .unwrap_or_default();
    if text.is_empty() {
        c.add(&format!("{field}text"), "must not be empty");
    }
    if !(0..=100).contains(&r.progress) {
        c.add(&format!("{field}progress"), "must be from 0 to 100");
    }
    let evidence = c.evidence(&format!("{field}evidence"), &r.evidence);
    (text, evidence)
}

/// Inserts a report and records it (audit, feed, webhooks) in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_report(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    m: &task::Model,
    text: String,
    progress: i16,
    evidence: Vec<String>,
    // The body's field (`attachments`, or `report.attachments` with a move) and its file ids.
    attachments: (&str, &[Uuid]),
    occurred_on: chrono::NaiveDate,
) -> ApiResult<ReportDto> {
    let report = task_report::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(m.id),
        bloc_id: Set(m.bloc_id),
        author_id: Set(caller.account_id),
        body: Set(text),
        progress: Set(progress),
        evidence: Set(json!(evidence).to_string()),
        created_at: Set(Utc::now()),
        occurred_on: Set(occurred_on),
    }
    .insert(conn)
    .await?;
    let mut dto = report_dto(report);
    dto.attachments = crate::files::service::attach(
        conn,
        caller,
        m.bloc_id,
        attachments.0,
        attachments.1,
        ("task_report", dto.id),
    )
    .await?;
    audit::log_and_announce(
        conn,
        caller,
        audit::Written {
            action: "create",
            resource_type: "task_report",
            resource_id: dto.id,
            bloc_id: Some(m.bloc_id),
            before: None,
            after: Some(&dto),
        },
    )
    .await?;
    Ok(dto)
}

fn report_dto(m: task_report::Model) -> ReportDto {
    ReportDto {
        id: m.id,
        task_id: m.task_id,
        author_id: m.author_id,
        text: m.body,
        progress: m.progress,
        evidence: serde_json::from_str(&m.evidence).unwrap_or_default(),
        attachments: vec![],
        occurred_on: m.occurred_on,
        created_at: m.created_at,
    }
}

/// Adds a progress report in the caller's transaction (the assignee, or the bloc head).
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn add_report_in(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    body: NewReport,
) -> ApiResult<ReportDto> {
    let current = tenancy::find::<task::Entity>(conn, &Scope::of(caller), id, "task").await?;
    let actor = Actor::of(conn, caller).await?;
    policy::authorize(&actor, Resource::Task, Action::Report, &target(&current))?;
    let status = status_of(&current);
    if !status.is_open() || status == Status::Draft {
        return Err(ApiError::conflict(format!(
            "reports go on assigned, open tasks; this one is {}",
            current.status
        )));
    }
    let mut c = Checks::new();
    let (text, evidence) = check_report(&mut c, "", &body);
    let day = day_of_move(conn, &mut c, "occurred_on", &current, body.occurred_on).await?;
    c.finish()?;
    // The task's progress and version move with the report: a reader of the feed hears both
    // (the report last: it is this request's answer).
    let before = dto(conn, current.clone()).await?;
    let mut am: task::ActiveModel = current.clone().into();
    am.progress = Set(body.progress);
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(conn, am, task::Column::Version, current.version).await?;
    let after = dto(conn, updated).await?;
    audit::log_and_announce(
        conn,
        caller,
        audit::Written {
            action: "report",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(current.bloc_id),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    let report = insert_report(
        conn,
        caller,
        &current,
        text,
        body.progress,
        evidence,
        ("attachments", &body.attachments),
        day,
    )
    .await?;
    Ok(report)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn list_reports(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    q: PageQuery,
) -> ApiResult<Page<ReportDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Task)?;
    // The sender of a delegated task reads what came back.
    let t = tenancy::find_sent_down::<task::Entity>(db, &Scope::of(caller), id, "task").await?;
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<task_report::Column>; 0] = [];
    let keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    let select = tenancy::select::<task_report::Entity>(&Scope::Bloc(t.bloc_id))
        .filter(task_report::Column::TaskId.eq(t.id));
    let mut page = keyset
        .fetch(
            db,
            select,
            task_report::Column::Id,
            limit,
            |m| (json!(null), m.id),
            report_dto,
        )
        .await?;
    crate::files::service::fill_attachments(
        db,
        &mut page.items,
        |r| r.id,
        |r, files| r.attachments = files,
    )
    .await?;
    Ok(page)
}
