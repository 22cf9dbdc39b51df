//! A campaign cascaded down (issue 15): each child bloc joins with its own linked campaign and
//! targets, collects its own units' figures, and the parent's progress counts them.
use super::{
    dto::{CampaignDto, NewCascade},
    service::{RESOURCE, closed_is_final, find, index, led_by},
    targets::{TARGET_RESOURCE, target_dto, targets_of},
    view::dto,
};
use crate::{
    audit,
    auth::Caller,
    db::begin_write,
    entities::{campaign, campaign_target, organisation},
    error::ApiResult,
    policy::{self, Action, Actor, Resource},
    text,
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn cascade(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    body: NewCascade,
) -> ApiResult<Vec<CampaignDto>> {
    let txn = begin_write(db).await?;
    let parent = find(&txn, caller, id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(&actor, Resource::Campaign, Action::Update, &led_by(&parent))?;
    closed_is_final(&parent)?;
    let mut c = Checks::new();
    let joined: Vec<Uuid> = campaign::Entity::find()
        .filter(campaign::Column::ParentCampaignId.eq(parent.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|k| k.bloc_id)
        .collect();
    let named = crate::refs::child_blocs(
        &txn,
        &mut c,
        parent.bloc_id,
        &body.bloc_ids,
        &joined,
        "campaign",
    )
    .await?;
    // Each child's campaign is led by its Front committee, the first one by code.
    let mut leads: HashMap<Uuid, Uuid> = HashMap::new();
    for o in organisation::Entity::find()
        .filter(organisation::Column::BlocId.is_in(named.iter().map(|(_, b)| *b)))
        .filter(organisation::Column::Kind.eq("fatherland_front"))
        .order_by_desc(organisation::Column::Code)
        .all(&txn)
        .await?
    {
        leads.insert(o.bloc_id, o.id);
    }
    let folded = text::fold(&parent.name);
    let mut blocs = Vec::new();
    for (i, b) in named {
        let field = format!("bloc_ids[{i}]");
        if !leads.contains_key(&b) {
            c.add(
                &field,
                "the bloc has no `fatherland_front` organisation to lead its campaign",
            );
        } else if campaign::Entity::find()
            .filter(campaign::Column::BlocId.eq(b))
            .filter(campaign::Column::NameFolded.eq(folded.clone()))
            .one(&txn)
            .await?
            .is_some()
        {
            c.add(&field, "the bloc already has a campaign of this name");
        }
        blocs.push(b);
    }
    c.finish()?;
    let targets = targets_of(&txn, parent.id).await?;
    let now = Utc::now();
    let mut out = Vec::new();
    for b in blocs {
        let m = campaign::ActiveModel {
            id: Set(Uuid::now_v7()),
            bloc_id: Set(b),
            name: Set(parent.name.clone()),
            name_folded: Set(folded.clone()),
            kind: Set(parent.kind.clone()),
            description: Set(parent.description.clone()),
            lead_organisation_id: Set(leads[&b]),
            start_on: Set(parent.start_on),
            end_on: Set(parent.end_on),
            status: Set(parent.status.clone()),
            created_by: Set(caller.account_id),
            parent_campaign_id: Set(Some(parent.id)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        index(&txn, &m).await?;
        let kid = dto(&txn, m.clone()).await?;
        audit::log_and_announce(
            &txn,
            caller,
            audit::Written {
                action: "cascade",
                resource_type: RESOURCE,
                resource_id: kid.id,
                bloc_id: Some(b),
                before: None,
                after: Some(&kid),
            },
        )
        .await?;
        for t in &targets {
            let tm = campaign_target::ActiveModel {
                id: Set(Uuid::now_v7()),
                bloc_id: Set(b),
                campaign_id: Set(m.id),
                indicator: Set(t.indicator.clone()),
                measure: Set(t.measure.clone()),
                aggregation: Set(t.aggregation.clone()),
                unit_kind: Set(t.unit_kind.clone()),
                baseline_value: Set(t.baseline_value),
                baseline_on: Set(t.baseline_on),
                target_value: Set(t.target_value),
                deadline: Set(t.deadline),
                higher_is_better: Set(t.higher_is_better),
                created_by: Set(caller.account_id),
                parent_target_id: Set(Some(t.id)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
            audit::log_and_announce(
                &txn,
                caller,
                audit::Written {
                    action: "cascade",
                    resource_type: TARGET_RESOURCE,
                    resource_id: tm.id,
                    bloc_id: Some(b),
                    before: None,
                    after: Some(&target_dto(tm)),
                },
            )
            .await?;
        }
        out.push(kid);
    }
    audit::answer(&txn, caller, true, &out).await?;
    txn.commit().await?;
    Ok(out)
}
