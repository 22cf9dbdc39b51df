//! Where a changed resource can be read: its path in this API, so a client following the feed
//! can fetch what changed without knowing how resources nest.
use crate::{
    entities::{
        campaign_measurement, campaign_registration, campaign_target, directive_dispatch,
        recommendation, supervision_finding, task_report,
    },
    state::API_PREFIX,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// Top-level resources: their collection.
fn collection(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "account" => "accounts",
        "api_client" => "clients",
        "bloc" => "blocs",
        "campaign" => "campaigns",
        "comment" => "comments",
        "directive" => "directives",
        "file" => "files",
        "meeting" => "meetings",
        "organisation" => "organisations",
        "province" => "provinces",
        "staff" => "staff",
        "sub_committee" => "sub-committees",
        "supervision" => "supervisions",
        "task" => "tasks",
        "task_series" => "task-series",
        "unit" => "units",
        "unit_assignment" => "unit-assignments",
        "webhook" => "webhooks",
        _ => return None,
    })
}

/// The path of each (resource type, id); nested resources look up their parents in one query
/// per type. Findings and task reports have no path of their own: their parent's list.
pub async fn resolve(
    conn: &impl ConnectionTrait,
    changes: &[(&str, Uuid)],
) -> Result<HashMap<Uuid, String>, DbErr> {
    let mut out = HashMap::new();
    let mut nested: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for (t, id) in changes {
        match collection(t) {
            Some(c) => {
                out.insert(*id, format!("{API_PREFIX}/{c}/{id}"));
            }
            None => nested.entry(*t).or_default().push(*id),
        }
    }
    for (t, ids) in nested {
        match t {
            "campaign_target" => {
                for (id, c) in pairs::<campaign_target::Entity, _>(
                    conn,
                    campaign_target::Column::Id,
                    campaign_target::Column::CampaignId,
                    ids,
                )
                .await?
                {
                    out.insert(id, format!("{API_PREFIX}/campaigns/{c}/targets/{id}"));
                }
            }
            "campaign_measurement" => {
                let rows: Vec<(Uuid, Uuid, Uuid)> = campaign_measurement::Entity::find()
                    .select_only()
                    .column(campaign_measurement::Column::Id)
                    .column(campaign_measurement::Column::CampaignId)
                    .column(campaign_measurement::Column::TargetId)
                    .filter(campaign_measurement::Column::Id.is_in(ids))
                    .into_tuple()
                    .all(conn)
                    .await?;
                for (id, c, t) in rows {
                    out.insert(
                        id,
                        format!("{API_PREFIX}/campaigns/{c}/targets/{t}/measurements/{id}"),
                    );
                }
            }
            "campaign_registration" => {
                for (id, c) in pairs::<campaign_registration::Entity, _>(
                    conn,
                    campaign_registration::Column::Id,
                    campaign_registration::Column::CampaignId,
                    ids,
                )
                .await?
                {
                    out.insert(id, format!("{API_PREFIX}/campaigns/{c}/registrations/{id}"));
                }
            }
            "supervision_recommendation" => {
                for (id, s) in pairs::<recommendation::Entity, _>(
                    conn,
                    recommendation::Column::Id,
                    recommendation::Column::SupervisionId,
                    ids,
                )
                .await?
                {
                    out.insert(
                        id,
                        format!("{API_PREFIX}/supervisions/{s}/recommendations/{id}"),
                    );
                }
            }
            "supervision_finding" => {
                for (id, s) in pairs::<supervision_finding::Entity, _>(
                    conn,
                    supervision_finding::Column::Id,
                    supervision_finding::Column::SupervisionId,
                    ids,
                )
                .await?
                {
                    out.insert(id, format!("{API_PREFIX}/supervisions/{s}/findings"));
                }
            }
            "task_report" => {
                for (id, t) in pairs::<task_report::Entity, _>(
                    conn,
                    task_report::Column::Id,
                    task_report::Column::TaskId,
                    ids,
                )
                .await?
                {
                    out.insert(id, format!("{API_PREFIX}/tasks/{t}/reports"));
                }
            }
            "directive_dispatch" => {
                for (id, d) in pairs::<directive_dispatch::Entity, _>(
                    conn,
                    directive_dispatch::Column::Id,
                    directive_dispatch::Column::DirectiveId,
                    ids,
                )
                .await?
                {
                    out.insert(id, format!("{API_PREFIX}/directives/{d}/dispatches/{id}"));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// (id, parent id) of the given rows.
async fn pairs<E: EntityTrait, C: ColumnTrait>(
    conn: &impl ConnectionTrait,
    id: C,
    parent: C,
    ids: Vec<Uuid>,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    E::find()
        .select_only()
        .column(id)
        .column(parent)
        .filter(id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_feed_type_has_a_path() {
        let nested = [
            "campaign_target",
            "campaign_measurement",
            "campaign_registration",
            "supervision_recommendation",
            "supervision_finding",
            "task_report",
            "directive_dispatch",
        ];
        for t in crate::changes::service::RESOURCE_TYPES {
            assert!(super::collection(t).is_some() || nested.contains(&t), "{t}");
        }
    }
}
