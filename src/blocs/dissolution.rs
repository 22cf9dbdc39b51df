//! A bloc dissolved into a successor (issue 15), as the districts were on 1 July 2025: in one
//! transaction its open tasks and running campaigns move (to the successor, or to the bloc named
//! per item) with their history, its units with them, its people's accounts close or move, and
//! the bloc becomes read-only history (`audit` refuses any later write naming it).
use super::dto::{AccountsOnDissolution, BlocDto, Dissolution, NewDissolution};
use super::service::RESOURCE;
use crate::{
    audit,
    auth::Caller,
    concurrency::save_if_unchanged,
    db::begin_write,
    entities::{
        account, bloc, campaign, campaign_measurement, campaign_organisation,
        campaign_registration, campaign_target, organisation, recommendation,
        recommendation_response, staff, supervision, supervision_finding, supervision_member,
        supervision_unit, task, task_coordinator, task_event, task_report, unit, unit_assignment,
    },
    error::{ApiError, ApiResult},
    policy::{self, Action, Actor, Resource, Target},
    supervisions::dto::RecommendationStatus,
    tasks::workflow::Status,
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, Set, sea_query::Expr,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// An existing bloc of `province`, not dissolved, not `bloc` or below it: where work may go.
async fn check_target(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    field: &str,
    gone: &bloc::Model,
    target: Uuid,
) -> Result<Option<bloc::Model>, sea_orm::DbErr> {
    let Some(t) = bloc::Entity::find_by_id(target).one(conn).await? else {
        c.add(field, "no such bloc");
        return Ok(None);
    };
    if t.dissolved_on.is_some() {
        c.add(field, "is dissolved itself");
    } else if t.province_folded != gone.province_folded {
        c.add(field, format!("must be a bloc of {}", gone.province));
    } else {
        // Not the bloc itself, nor one below it: work would go round in a circle.
        let mut at = Some(t.id);
        for _ in 0..16 {
            let Some(id) = at else { break };
            if id == gone.id {
                c.add(field, "is the dissolved bloc or a bloc below it");
                break;
            }
            at = bloc::Entity::find_by_id(id)
                .one(conn)
                .await?
                .and_then(|b| b.parent_id);
        }
    }
    Ok(Some(t))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn dissolve(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    body: NewDissolution,
) -> ApiResult<Dissolution> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Bloc,
        Action::Create,
        &Target::default(),
    )?;
    let txn = begin_write(db).await?;
    let gone = bloc::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("bloc"))?;
    if let Some(day) = gone.dissolved_on {
        return Err(ApiError::conflict(format!(
            "the bloc was dissolved on {day} already"
        )));
    }
    let mut c = Checks::new();
    let decision = c.text("decision", &body.decision, 100);
    let today = crate::clock::today();
    if body.dissolved_on > today {
        c.add(
            "dissolved_on",
            format!("must not be in the future (today is {today})"),
        );
    } else if gone.established_on.is_some_and(|e| body.dissolved_on < e) {
        c.add(
            "dissolved_on",
            "must not be before the bloc was established",
        );
    }
    check_target(&txn, &mut c, "successor_id", &gone, body.successor_id).await?;
    let open: Vec<&str> = Status::OPEN.iter().map(|s| s.as_str()).collect();
    let tasks = task::Entity::find()
        .filter(task::Column::BlocId.eq(id))
        .filter(task::Column::Status.is_in(open))
        .all(&txn)
        .await?;
    let campaigns = campaign::Entity::find()
        .filter(campaign::Column::BlocId.eq(id))
        .filter(campaign::Column::Status.ne("closed"))
        .all(&txn)
        .await?;
    // Supervisions still following up recommendations go on at their new bloc.
    let pending: Vec<&str> = [RecommendationStatus::Open, RecommendationStatus::Accepted]
        .iter()
        .map(|s| s.as_str())
        .collect();
    let supervisions = supervision::Entity::find()
        .filter(supervision::Column::BlocId.eq(id))
        .filter(
            supervision::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(recommendation::Column::SupervisionId)
                    .from(recommendation::Entity)
                    .and_where(recommendation::Column::BlocId.eq(id))
                    .and_where(recommendation::Column::Status.is_in(pending))
                    .to_owned(),
            ),
        )
        .all(&txn)
        .await?;
    let mut dest: HashMap<Uuid, Uuid> = HashMap::new();
    for (i, m) in body.moves.iter().enumerate() {
        let field = format!("moves[{i}].id");
        if !tasks.iter().any(|t| t.id == m.id)
            && !campaigns.iter().any(|k| k.id == m.id)
            && !supervisions.iter().any(|s| s.id == m.id)
        {
            c.add(
                &field,
                "no open task, running campaign or supervision with open recommendations of this bloc",
            );
        } else if dest.insert(m.id, m.bloc_id).is_some() {
            c.add(&field, "is listed twice");
        }
        check_target(
            &txn,
            &mut c,
            &format!("moves[{i}].bloc_id"),
            &gone,
            m.bloc_id,
        )
        .await?;
    }
    let to = |item: Uuid| dest.get(&item).copied().unwrap_or(body.successor_id);
    // A campaign is led by its new bloc's Front committee.
    let mut fronts: HashMap<Uuid, Uuid> = HashMap::new();
    for k in &campaigns {
        let b = to(k.id);
        match organisation::Entity::find()
            .filter(organisation::Column::BlocId.eq(b))
            .filter(organisation::Column::Kind.eq("fatherland_front"))
            .one(&txn)
            .await?
        {
            Some(o) => {
                fronts.insert(b, o.id);
            }
            None => c.add(
                if dest.contains_key(&k.id) { "moves" } else { "successor_id" },
                "a running campaign moves there, and the bloc has no `fatherland_front` organisation to lead it",
            ),
        }
    }
    c.finish()?;
    let now = Utc::now();

    // Units go to the successor with their campaigns' figures; people and accounts as asked.
    let mut units_moved = 0;
    for u in unit::Entity::find()
        .filter(unit::Column::BlocId.eq(id))
        .filter(unit::Column::ValidTo.is_null())
        .all(&txn)
        .await?
    {
        let before = crate::units::dto::UnitDto::from(u.clone());
        let mut am: unit::ActiveModel = u.clone().into();
        am.bloc_id = Set(body.successor_id);
        let after = audit::save_and_record(
            &txn,
            caller,
            audit::Rewrite {
                action: "move",
                resource_type: crate::units::service::RESOURCE,
                resource_id: u.id,
                bloc_id: Some(body.successor_id),
            },
            &before,
            (am, unit::Column::Version, u.version),
            crate::units::dto::UnitDto::from,
        )
        .await?;
        crate::search::index(&txn, "unit", body.successor_id, u.id, &[&after.name]).await?;
        units_moved += 1;
    }
    let moving = body.accounts == AccountsOnDissolution::Move;
    let mut staff_moved = 0;
    for p in staff::Entity::find()
        .filter(staff::Column::BlocId.eq(id))
        .filter(staff::Column::Active.eq(true))
        .all(&txn)
        .await?
    {
        let before = crate::staff::dto::StaffDto::from(p.clone());
        let mut am: staff::ActiveModel = p.clone().into();
        if moving {
            am.bloc_id = Set(body.successor_id);
            am.organisation_id = Set(None);
            am.sub_committee_id = Set(None);
            if p.role == "bloc_head" {
                am.role = Set("deputy_head".into());
            }
        } else {
            am.active = Set(false);
        }
        audit::save_and_record(
            &txn,
            caller,
            audit::Rewrite {
                action: if moving { "move" } else { "close" },
                resource_type: crate::staff::service::RESOURCE,
                resource_id: p.id,
                bloc_id: Some(if moving { body.successor_id } else { id }),
            },
            &before,
            (am, staff::Column::Version, p.version),
            crate::staff::dto::StaffDto::from,
        )
        .await?;
        staff_moved += i64::from(moving);
    }
    // Assignments of people who stay behind end with the bloc; the others move with them.
    for a in unit_assignment::Entity::find()
        .filter(unit_assignment::Column::BlocId.eq(id))
        .filter(
            Condition::any()
                .add(unit_assignment::Column::EndOn.is_null())
                .add(unit_assignment::Column::EndOn.gt(body.dissolved_on)),
        )
        .all(&txn)
        .await?
    {
        let before = crate::unit_assignments::service::to_dto(a.clone());
        let mut am: unit_assignment::ActiveModel = a.clone().into();
        if moving {
            am.bloc_id = Set(body.successor_id);
        } else {
            am.end_on = Set(Some(body.dissolved_on.max(a.start_on)));
        }
        audit::save_and_record(
            &txn,
            caller,
            audit::Rewrite {
                action: if moving { "move" } else { "close" },
                resource_type: crate::unit_assignments::service::RESOURCE,
                resource_id: a.id,
                bloc_id: Some(if moving { body.successor_id } else { id }),
            },
            &before,
            (am, unit_assignment::Column::Version, a.version),
            crate::unit_assignments::service::to_dto,
        )
        .await?;
    }
    let mut accounts_closed = 0;
    for a in account::Entity::find()
        .filter(account::Column::BlocId.eq(id))
        .filter(account::Column::Active.eq(true))
        .all(&txn)
        .await?
    {
        let before = crate::accounts::dto::AccountDto::from(a.clone());
        let mut am: account::ActiveModel = a.clone().into();
        if moving {
            am.bloc_id = Set(Some(body.successor_id));
            if a.role == "bloc_head" {
                am.role = Set("deputy_head".into());
            }
        } else {
            am.active = Set(false);
            accounts_closed += 1;
        }
        // The version moves: tokens carrying the old bloc end at once.
        audit::save_and_record(
            &txn,
            caller,
            audit::Rewrite {
                action: if moving { "move" } else { "close" },
                resource_type: crate::accounts::service::RESOURCE,
                resource_id: a.id,
                bloc_id: Some(if moving { body.successor_id } else { id }),
            },
            &before,
            (am, account::Column::Version, a.version),
            crate::accounts::dto::AccountDto::from,
        )
        .await?;
    }

    // Open tasks arrive at their new bloc as received, for its head to take on; what pointed
    // into the old bloc (organisations, sub-committee, directive, campaign) is let go.
    let mut tasks_moved = 0;
    for t in &tasks {
        let b = to(t.id);
        let from = crate::tasks::service::dto(&txn, t.clone()).await?;
        let mut am: task::ActiveModel = t.clone().into();
        am.bloc_id = Set(b);
        am.status = Set(Status::Received.as_str().into());
        am.lead_organisation_id = Set(None);
        am.sub_committee_id = Set(None);
        am.directive_id = Set(None);
        am.campaign_id = Set(None);
        am.duplicate_of = Set(None);
        am.meeting_decision_id = Set(None);
        if !moving || b != body.successor_id {
            am.assignee_id = Set(None);
        }
        am.version = Set(t.version + 1);
        am.updated_at = Set(now);
        let after = save_if_unchanged(&txn, am, task::Column::Version, t.version).await?;
        task_coordinator::Entity::delete_many()
            .filter(task_coordinator::Column::TaskId.eq(t.id))
            .exec(&txn)
            .await?;
        {
            use task_event::Column as E;
            use task_report::Column as R;
            rehome::<task_event::Entity>(&txn, E::BlocId, E::TaskId, t.id, b).await?;
            rehome::<task_report::Entity>(&txn, R::BlocId, R::TaskId, t.id, b).await?;
        }
        crate::search::index(
            &txn,
            "task",
            b,
            t.id,
            &[&t.title, t.description.as_deref().unwrap_or("")],
        )
        .await?;
        task_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            task_id: Set(t.id),
            bloc_id: Set(b),
            action: Set("move".into()),
            from_status: Set(Some(t.status.clone())),
            to_status: Set(Status::Received.as_str().into()),
            actor_id: Set(caller.account_id),
            note: Set(Some(decision.clone())),
            data: Set(json!({"from_bloc_id": id, "to_bloc_id": b}).to_string()),
            created_at: Set(now),
            occurred_on: Set(body.dissolved_on.max(t.opened_on)),
        }
        .insert(&txn)
        .await?;
        audit::log_and_announce(
            &txn,
            caller,
            audit::Written {
                action: "move",
                resource_type: crate::tasks::service::RESOURCE,
                resource_id: t.id,
                bloc_id: Some(b),
                before: Some(&from),
                after: Some(&crate::tasks::service::dto(&txn, after).await?),
            },
        )
        .await?;
        tasks_moved += 1;
    }

    // Running campaigns move with their targets, figures and registrations.
    let mut campaigns_moved = 0;
    for k in &campaigns {
        let b = to(k.id);
        let before = crate::campaigns::view::dto(&txn, k.clone()).await?;
        campaign_organisation::Entity::delete_many()
            .filter(campaign_organisation::Column::CampaignId.eq(k.id))
            .exec(&txn)
            .await?;
        let mut am: campaign::ActiveModel = k.clone().into();
        am.bloc_id = Set(b);
        am.lead_organisation_id = Set(fronts[&b]);
        am.version = Set(k.version + 1);
        am.updated_at = Set(now);
        let after = save_if_unchanged(&txn, am, campaign::Column::Version, k.version).await?;
        crate::search::index(&txn, "campaign", b, k.id, &[&k.name]).await?;
        audit::log_and_announce(
            &txn,
            caller,
            audit::Written {
                action: "move",
                resource_type: crate::campaigns::service::RESOURCE,
                resource_id: k.id,
                bloc_id: Some(b),
                before: Some(&before),
                after: Some(&crate::campaigns::view::dto(&txn, after).await?),
            },
        )
        .await?;
        for t in campaign_target::Entity::find()
            .filter(campaign_target::Column::CampaignId.eq(k.id))
            .all(&txn)
            .await?
        {
            let before = crate::campaigns::targets::target_dto(t.clone());
            let mut am: campaign_target::ActiveModel = t.clone().into();
            am.bloc_id = Set(b);
            audit::save_and_record(
                &txn,
                caller,
                audit::Rewrite {
                    action: "move",
                    resource_type: crate::campaigns::targets::TARGET_RESOURCE,
                    resource_id: t.id,
                    bloc_id: Some(b),
                },
                &before,
                (am, campaign_target::Column::Version, t.version),
                crate::campaigns::targets::target_dto,
            )
            .await?;
        }
        // Figures are never changed, only re-homed with their campaign (not announced: a
        // figure's content is the same).
        {
            use campaign_measurement::Column as M;
            rehome::<campaign_measurement::Entity>(&txn, M::BlocId, M::CampaignId, k.id, b).await?;
        }
        for r in campaign_registration::Entity::find()
            .filter(campaign_registration::Column::CampaignId.eq(k.id))
            .all(&txn)
            .await?
        {
            let before = crate::campaigns::registrations::to_dto(r.clone());
            let mut am: campaign_registration::ActiveModel = r.clone().into();
            am.bloc_id = Set(b);
            am.organisation_id = Set(None);
            audit::save_and_record(
                &txn,
                caller,
                audit::Rewrite {
                    action: "move",
                    resource_type: crate::campaigns::registrations::RESOURCE,
                    resource_id: r.id,
                    bloc_id: Some(b),
                },
                &before,
                (am, campaign_registration::Column::Version, r.version),
                crate::campaigns::registrations::to_dto,
            )
            .await?;
        }
        campaigns_moved += 1;
    }

    // Supervisions with recommendations still open go with their findings, recommendations
    // and responses; what pointed into the old bloc (directive, organisation, sub-committee) is
    // let go.
    let mut supervisions_moved = 0;
    for s in &supervisions {
        let b = to(s.id);
        let before = crate::supervisions::service::dto(&txn, s.clone()).await?;
        let mut am: supervision::ActiveModel = s.clone().into();
        am.bloc_id = Set(b);
        am.directive_id = Set(None);
        am.lead_organisation_id = Set(None);
        am.sub_committee_id = Set(None);
        am.version = Set(s.version + 1);
        am.updated_at = Set(now);
        let after = crate::concurrency::save_if_unchanged(
            &txn,
            am,
            supervision::Column::Version,
            s.version,
        )
        .await?;
        {
            use supervision_finding::Column as F;
            use supervision_member::Column as M;
            use supervision_unit::Column as U;
            rehome::<supervision_finding::Entity>(&txn, F::BlocId, F::SupervisionId, s.id, b)
                .await?;
            rehome::<supervision_member::Entity>(&txn, M::BlocId, M::SupervisionId, s.id, b)
                .await?;
            rehome::<supervision_unit::Entity>(&txn, U::BlocId, U::SupervisionId, s.id, b).await?;
        }
        audit::log_and_announce(
            &txn,
            caller,
            audit::Written {
                action: "move",
                resource_type: crate::supervisions::service::RESOURCE,
                resource_id: s.id,
                bloc_id: Some(b),
                before: Some(&before),
                after: Some(&crate::supervisions::service::dto(&txn, after).await?),
            },
        )
        .await?;
        for r in recommendation::Entity::find()
            .filter(recommendation::Column::SupervisionId.eq(s.id))
            .all(&txn)
            .await?
        {
            let before = crate::supervisions::recommendations::rec_dto(&txn, r.clone()).await?;
            {
                use recommendation_response::Column as R;
                rehome::<recommendation_response::Entity>(
                    &txn,
                    R::BlocId,
                    R::RecommendationId,
                    r.id,
                    b,
                )
                .await?;
            }
            let mut am: recommendation::ActiveModel = r.clone().into();
            am.bloc_id = Set(b);
            am.version = Set(r.version + 1);
            am.updated_at = Set(now);
            let after = crate::concurrency::save_if_unchanged(
                &txn,
                am,
                recommendation::Column::Version,
                r.version,
            )
            .await?;
            audit::log_and_announce(
                &txn,
                caller,
                audit::Written {
                    action: "move",
                    resource_type: "supervision_recommendation",
                    resource_id: r.id,
                    bloc_id: Some(b),
                    before: Some(&before),
                    after: Some(&crate::supervisions::recommendations::rec_dto(&txn, after).await?),
                },
            )
            .await?;
        }
        supervisions_moved += 1;
    }

    let before = BlocDto::from(gone.clone());
    let mut am: bloc::ActiveModel = gone.clone().into();
    am.dissolved_on = Set(Some(body.dissolved_on));
    am.successor_id = Set(Some(body.successor_id));
    am.dissolution_decision = Set(Some(decision));
    let after = audit::save_and_record(
        &txn,
        caller,
        audit::Rewrite {
            action: "dissolve",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(id),
        },
        &before,
        (am, bloc::Column::Version, gone.version),
        BlocDto::from,
    )
    .await?;
    let out = Dissolution {
        bloc: BlocDto::from(after),
        tasks_moved,
        campaigns_moved,
        supervisions_moved,
        units_moved,
        staff_moved,
        accounts_closed,
    };
    audit::answer(&txn, caller, true, &out).await?;
    txn.commit().await?;
    Ok(out)
}

/// Points the rows of `E` under `parent` at bloc `to`: history that is no resource of its own
/// (events, reports, figures, findings, …) moves with what it belongs to, unannounced.
async fn rehome<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    bloc_column: E::Column,
    parent_column: E::Column,
    parent: Uuid,
    to: Uuid,
) -> Result<(), sea_orm::DbErr> {
    E::update_many()
        .col_expr(bloc_column, Expr::value(to))
        .filter(parent_column.eq(parent))
        .exec(conn)
        .await?;
    Ok(())
}
