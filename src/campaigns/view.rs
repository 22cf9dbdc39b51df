//! A campaign as the API shows it: its participants, its tasks' counts, and what this caller may
//! do with it.
use super::dto::{CampaignDto, CampaignKind};
use super::service::status_of;
use crate::{
    entities::{campaign, campaign_organisation, task},
    policy::{self, Action, Actor, Resource, Target},
    tasks::{service::standing_condition, workflow::Standing},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Func, SimpleExpr},
};
use std::collections::HashMap;
use uuid::Uuid;

/// Open and overdue linked tasks per campaign.
pub async fn task_counts(
    conn: &impl ConnectionTrait,
    campaigns: &[&campaign::Model],
) -> Result<HashMap<Uuid, (i64, i64)>, DbErr> {
    let mut out: HashMap<Uuid, (i64, i64)> = HashMap::new();
    if campaigns.is_empty() {
        return Ok(out);
    }
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.id).collect();
    let mut blocs: Vec<Uuid> = campaigns.iter().map(|c| c.bloc_id).collect();
    blocs.sort();
    blocs.dedup();
    let today = crate::clock::today();
    for (standing, overdue) in [
        (Standing::OpenWithinDeadline, false),
        (Standing::Overdue, true),
    ] {
        // bloc_id first, so the (bloc_id, campaign_id) index serves it.
        let rows: Vec<(Option<Uuid>, i64)> = task::Entity::find()
            .select_only()
            .column(task::Column::CampaignId)
            .column_as(
                SimpleExpr::from(Func::count(Expr::col(task::Column::Id))),
                "n",
            )
            .filter(task::Column::BlocId.is_in(blocs.clone()))
            .filter(task::Column::CampaignId.is_in(ids.clone()))
            .filter(standing_condition(standing, today))
            .group_by(task::Column::CampaignId)
            .into_tuple()
            .all(conn)
            .await?;
        for (id, n) in rows {
            let Some(id) = id else { continue };
            let e = out.entry(id).or_default();
            e.0 += n;
            if overdue {
                e.1 += n;
            }
        }
    }
    Ok(out)
}

async fn participants_of(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for row in campaign_organisation::Entity::find()
        .filter(campaign_organisation::Column::CampaignId.is_in(ids.to_vec()))
        .order_by_asc(campaign_organisation::Column::OrganisationId)
        .all(conn)
        .await?
    {
        out.entry(row.campaign_id)
            .or_default()
            .push(row.organisation_id);
    }
    Ok(out)
}

fn to_dto(m: campaign::Model, participants: Vec<Uuid>, counts: (i64, i64)) -> CampaignDto {
    let status = status_of(&m);
    CampaignDto {
        id: m.id,
        bloc_id: m.bloc_id,
        name: m.name,
        kind: CampaignKind::parse(&m.kind).unwrap_or(CampaignKind::Movement),
        description: m.description,
        lead_organisation_id: m.lead_organisation_id,
        participating_organisation_ids: participants,
        start_on: m.start_on,
        end_on: m.end_on,
        status,
        allowed_statuses: status.allowed_next().to_vec(),
        open_tasks: counts.0,
        overdue_tasks: counts.1,
        created_by: m.created_by,
        parent_campaign_id: m.parent_campaign_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// The campaigns as the API shows them, with participants and task counts.
pub async fn dtos(
    conn: &impl ConnectionTrait,
    rows: Vec<campaign::Model>,
) -> Result<Vec<CampaignDto>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut parts = participants_of(conn, &ids).await?;
    let counts = task_counts(conn, &rows.iter().collect::<Vec<_>>()).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let p = parts.remove(&m.id).unwrap_or_default();
            let c = counts.get(&m.id).copied().unwrap_or_default();
            to_dto(m, p, c)
        })
        .collect())
}

/// Keeps in `allowed_statuses` only what this caller may set: the campaign's runners (the bloc
/// head, the leader of its lead organisation) move it; for everyone else it is empty.
pub fn as_seen_by(actor: &Actor, mut d: CampaignDto) -> CampaignDto {
    if !policy::allows(
        actor,
        Resource::Campaign,
        Action::Update,
        &Target::run_by(None, Some(d.lead_organisation_id)),
    ) {
        d.allowed_statuses.clear();
    }
    d
}

pub async fn dto(conn: &impl ConnectionTrait, m: campaign::Model) -> Result<CampaignDto, DbErr> {
    Ok(dtos(conn, vec![m]).await?.remove(0))
}
