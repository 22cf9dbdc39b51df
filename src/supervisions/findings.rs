//! Findings: what a supervision found, recorded by its members while it runs.
use super::dto::{FindingDto, NewFinding, Severity, SupervisionStatus};
use super::service::{find, links, run_by, status_of};

use crate::{
    audit,
    auth::Caller,
    db::begin_write,
    entities::supervision_finding as finding,
    error::{ApiError, ApiResult},
    policy::{self, Action, Actor, Resource},
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

fn finding_dto(m: finding::Model) -> FindingDto {
    FindingDto {
        id: m.id,
        supervision_id: m.supervision_id,
        text: m.text,
        severity: Severity::parse(&m.severity).unwrap_or(Severity::Medium),
        created_by: m.created_by,
        attachments: vec![],
        created_at: m.created_at,
    }
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn list_findings(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<Vec<FindingDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Supervision)?;
    find(db, caller, id).await?;
    let mut out: Vec<FindingDto> = finding::Entity::find()
        .filter(finding::Column::SupervisionId.eq(id))
        .order_by_asc(finding::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(finding_dto)
        .collect();
    crate::files::service::fill_attachments(
        db,
        &mut out,
        |f| f.id,
        |f, files| f.attachments = files,
    )
    .await?;
    Ok(out)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn add_finding(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    body: NewFinding,
) -> ApiResult<FindingDto> {
    let txn = begin_write(db).await?;
    let s = find(&txn, caller, id).await?;
    let members = links(&txn, &[id]).await?.0.remove(&id).unwrap_or_default();
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Finding,
        Action::Create,
        &run_by(&actor, &s, &members),
    )?;
    let status = status_of(&s);
    if !matches!(
        status,
        SupervisionStatus::InProgress | SupervisionStatus::Concluded
    ) {
        return Err(ApiError::conflict(format!(
            "findings are recorded while a supervision is in progress or just concluded; this one is {}",
            status.as_str()
        )));
    }
    let mut c = Checks::new();
    let text = c.long_text("text", &body.text, 10_000);
    c.finish()?;
    let m = finding::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(s.bloc_id),
        supervision_id: Set(id),
        text: Set(text),
        severity: Set(body.severity.as_str().into()),
        created_by: Set(caller.account_id),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    let mut out = finding_dto(m);
    out.attachments = crate::files::service::attach(
        &txn,
        caller,
        s.bloc_id,
        "attachments",
        &body.attachments,
        ("supervision_finding", out.id),
    )
    .await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: "supervision_finding",
            resource_id: out.id,
            bloc_id: Some(s.bloc_id),
            before: None,
            after: Some(&out),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

// ---- recommendations ----
