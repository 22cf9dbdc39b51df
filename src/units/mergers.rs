//! Units merged into a new one (issue 15): the old ones close, the new one opens, and their open
//! work moves, in one transaction. Campaign series stay continuous (`campaigns::lineage`).
use super::{
    dto::{Merger, NewMerger, UnitDto},
    service::{Opened, RESOURCE, open_in},
};
use crate::{
    audit,
    auth::Caller,
    db::begin_write,
    entities::{campaign_measurement, directive_dispatch, unit, unit_assignment},
    error::{ApiError, ApiResult},
    policy::{self, Action, Actor, Resource, Target},
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::Days;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

const MAX_UNITS: usize = 50;

#[tracing::instrument(skip_all)]
pub async fn merge(db: &DatabaseConnection, caller: &Caller, body: NewMerger) -> ApiResult<Merger> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Unit,
        Action::Update,
        &Target::default(),
    )?;
    let bloc_id = Scope::of(caller)
        .own_bloc()
        .ok_or_else(|| ApiError::Forbidden("only the bloc's own people merge its units".into()))?;
    let txn = begin_write(db).await?;
    let mut c = Checks::new();
    let decision = c.text("decision", &body.decision, 100);
    if body.unit_ids.len() > MAX_UNITS {
        c.add("unit_ids", format!("must list 2 to {MAX_UNITS} units"));
    }
    let mut olds: Vec<unit::Model> = Vec::new();
    for (i, id) in body.unit_ids.iter().enumerate().take(MAX_UNITS) {
        let field = format!("unit_ids[{i}]");
        if olds.iter().any(|u| u.id == *id) {
            c.add(&field, "is listed twice");
            continue;
        }
        match tenancy::select_one::<unit::Entity>(&Scope::Bloc(bloc_id), *id)
            .one(&txn)
            .await?
        {
            None => c.add(&field, "no such unit in this bloc"),
            Some(u) if u.valid_to.is_some() => c.add(
                &field,
                format!(
                    "is already closed (last day {})",
                    u.valid_to.unwrap_or_default()
                ),
            ),
            Some(u) if u.valid_from.is_some_and(|f| body.merged_on <= f) => {
                c.add("merged_on", format!("must be after {} opened", u.name))
            }
            Some(u) => olds.push(u),
        }
    }
    // Fewer than two, each of them valid: say so once, on the list.
    if c.ok() && olds.len() < 2 {
        c.add("unit_ids", format!("must list 2 to {MAX_UNITS} units"));
    }
    let last_day = body.merged_on.checked_sub_days(Days::new(1));
    if last_day.is_none() {
        c.add("merged_on", "is not a date a unit can close before");
    }
    // A figure dated on or after the merger would belong to a unit that no longer exists.
    if let Some(f) = campaign_measurement::Entity::find()
        .filter(campaign_measurement::Column::UnitId.is_in(olds.iter().map(|u| u.id)))
        .filter(campaign_measurement::Column::AsOf.gte(body.merged_on))
        .order_by_desc(campaign_measurement::Column::AsOf)
        .one(&txn)
        .await?
    {
        c.add(
            "merged_on",
            format!(
                "a figure of a merged unit is dated {}: the merger must come after it",
                f.as_of
            ),
        );
    }
    c.finish()?;
    let last_day = last_day.unwrap_or(body.merged_on);
    // The merged units close first, pointing at the unit to come: a name they leave may be
    // the new one's (a merged commune often keeps one of its predecessors' names).
    let new_id = Uuid::now_v7();
    let mut merged = Vec::new();
    for u in &olds {
        let mut am: unit::ActiveModel = u.clone().into();
        am.valid_to = Set(Some(last_day));
        am.successor_id = Set(Some(new_id));
        am.merger_decision = Set(Some(decision.clone()));
        let after = audit::save_and_record(
            &txn,
            caller,
            audit::Rewrite {
                action: "merge",
                resource_type: RESOURCE,
                resource_id: u.id,
                bloc_id: Some(bloc_id),
            },
            &UnitDto::from(u.clone()),
            (am, unit::Column::Version, u.version),
            UnitDto::from,
        )
        .await?;
        merged.push(UnitDto::from(after));
    }
    let new = open_in(
        &txn,
        caller,
        bloc_id,
        body.new_unit,
        Some(Opened {
            id: new_id,
            on: body.merged_on,
            decision: &decision,
        }),
    )
    .await
    .map_err(|e| e.under("new_unit."))?;
    let ids: Vec<Uuid> = olds.iter().map(|u| u.id).collect();
    // Units below them now sit below the new one.
    let mut units_moved = 0;
    for child in unit::Entity::find()
        .filter(unit::Column::ParentId.is_in(ids.clone()))
        .filter(unit::Column::ValidTo.is_null())
        .all(&txn)
        .await?
    {
        let before = UnitDto::from(child.clone());
        let mut am: unit::ActiveModel = child.clone().into();
        am.parent_id = Set(Some(new.id));
        audit::save_and_record(
            &txn,
            caller,
            audit::Rewrite {
                action: "merge",
                resource_type: RESOURCE,
                resource_id: child.id,
                bloc_id: Some(bloc_id),
            },
            &before,
            (am, unit::Column::Version, child.version),
            UnitDto::from,
        )
        .await?;
        units_moved += 1;
    }
    // Open assignments (not ended before the merger) follow the unit.
    let mut assignments_moved = 0;
    for a in unit_assignment::Entity::find()
        .filter(unit_assignment::Column::UnitId.is_in(ids.clone()))
        .filter(
            Condition::any()
                .add(unit_assignment::Column::EndOn.is_null())
                .add(unit_assignment::Column::EndOn.gte(body.merged_on)),
        )
        .all(&txn)
        .await?
    {
        let before = crate::unit_assignments::service::to_dto(a.clone());
        let mut am: unit_assignment::ActiveModel = a.clone().into();
        am.unit_id = Set(new.id);
        audit::save_and_record(
            &txn,
            caller,
            audit::Rewrite {
                action: "merge",
                resource_type: crate::unit_assignments::service::RESOURCE,
                resource_id: a.id,
                bloc_id: Some(bloc_id),
            },
            &before,
            (am, unit_assignment::Column::Version, a.version),
            crate::unit_assignments::service::to_dto,
        )
        .await?;
        assignments_moved += 1;
    }
    // Dispatches not reported back: the new unit answers them (one per directive; a second
    // one of the same directive stays with its closed unit).
    let mut dispatches_moved = 0;
    let mut directives: Vec<Uuid> = Vec::new();
    for d in directive_dispatch::Entity::find()
        .filter(directive_dispatch::Column::UnitId.is_in(ids))
        .filter(directive_dispatch::Column::ReportedOn.is_null())
        .order_by_asc(directive_dispatch::Column::Id)
        .all(&txn)
        .await?
    {
        if directives.contains(&d.directive_id) {
            continue;
        }
        directives.push(d.directive_id);
        let before = crate::dispatches::service::to_dto(d.clone());
        let mut am: directive_dispatch::ActiveModel = d.clone().into();
        am.unit_id = Set(Some(new.id));
        audit::save_and_record(
            &txn,
            caller,
            audit::Rewrite {
                action: "merge",
                resource_type: crate::dispatches::service::RESOURCE,
                resource_id: d.id,
                bloc_id: Some(bloc_id),
            },
            &before,
            (am, directive_dispatch::Column::Version, d.version),
            crate::dispatches::service::to_dto,
        )
        .await?;
        dispatches_moved += 1;
    }
    let out = Merger {
        unit: new,
        merged,
        assignments_moved,
        dispatches_moved,
        units_moved,
    };
    audit::answer(&txn, caller, true, &out).await?;
    txn.commit().await?;
    Ok(out)
}
