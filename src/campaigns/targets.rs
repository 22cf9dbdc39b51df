//! A campaign's targets: the indicators it is measured by, with baseline, goal and deadline.
use super::service::{MAX_FIGURE, closed_is_final, find, led_by};

use super::{
    dto::{CreateTarget, Measure, TargetDto, UpdateTarget},
    progress::Aggregation,
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{campaign, campaign_measurement, campaign_target},
    error::{ApiError, ApiResult},
    policy::{self, Action, Actor, Resource},
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

pub const TARGET_RESOURCE: &str = "campaign_target";

pub fn target_dto(m: campaign_target::Model) -> TargetDto {
    TargetDto {
        id: m.id,
        campaign_id: m.campaign_id,
        indicator: m.indicator,
        measure: Measure::parse(&m.measure).unwrap_or(Measure::Count),
        aggregation: Aggregation::parse(&m.aggregation).unwrap_or(Aggregation::Sum),
        unit_kind: m.unit_kind,
        baseline_value: m.baseline_value,
        baseline_on: m.baseline_on,
        target_value: m.target_value,
        deadline: m.deadline,
        higher_is_better: m.higher_is_better,
        created_by: m.created_by,
        parent_target_id: m.parent_target_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub async fn targets_of(
    conn: &impl ConnectionTrait,
    campaign_id: Uuid,
) -> Result<Vec<campaign_target::Model>, DbErr> {
    targets_of_campaigns(conn, &[campaign_id]).await
}

/// The targets of several campaigns in one statement, in id order (so each campaign's are in
/// the order [`targets_of`] gives).
pub async fn targets_of_campaigns(
    conn: &impl ConnectionTrait,
    campaign_ids: &[Uuid],
) -> Result<Vec<campaign_target::Model>, DbErr> {
    if campaign_ids.is_empty() {
        return Ok(Vec::new());
    }
    campaign_target::Entity::find()
        .filter(campaign_target::Column::CampaignId.is_in(campaign_ids.iter().copied()))
        .order_by_asc(campaign_target::Column::Id)
        .all(conn)
        .await
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn list_targets(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
) -> ApiResult<Vec<TargetDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::CampaignTarget)?;
    super::service::find_readable(db, caller, campaign_id).await?;
    Ok(targets_of(db, campaign_id)
        .await?
        .into_iter()
        .map(target_dto)
        .collect())
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id, target_id = %target_id))]
pub async fn find_target(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
) -> ApiResult<(campaign::Model, campaign_target::Model)> {
    let campaign = find(conn, caller, campaign_id).await?;
    let target = tenancy::find_under::<campaign_target::Entity>(
        conn,
        &Scope::of(caller),
        target_id,
        campaign_target::Column::CampaignId,
        campaign_id,
        "target",
    )
    .await?;
    Ok((campaign, target))
}

/// As [`find_target`], for reads: a campaign cascaded to a child bloc, or the parent's one the
/// caller's bloc joined, too.
pub async fn find_target_readable(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
) -> ApiResult<(campaign::Model, campaign_target::Model)> {
    let campaign = super::service::find_readable(conn, caller, campaign_id).await?;
    let target = tenancy::find_under::<campaign_target::Entity>(
        conn,
        &Scope::Bloc(campaign.bloc_id),
        target_id,
        campaign_target::Column::CampaignId,
        campaign_id,
        "target",
    )
    .await?;
    Ok((campaign, target))
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id, target_id = %target_id))]
pub async fn get_target(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
) -> ApiResult<TargetDto> {
    crate::policy::may_read(caller, crate::policy::Resource::CampaignTarget)?;
    Ok(target_dto(
        find_target_readable(db, caller, campaign_id, target_id)
            .await?
            .1,
    ))
}

/// A figure in a target's measure: percents 0–100, the rest whole and not negative.
pub fn check_figure(c: &mut Checks, field: &str, measure: Measure, v: f64) {
    if !v.is_finite() || v.abs() > MAX_FIGURE {
        c.add(field, "must be a finite number below 10^15");
        return;
    }
    match measure {
        Measure::Percent if !(0.0..=100.0).contains(&v) => {
            c.add(field, "a percent must be from 0 to 100");
        }
        Measure::Count | Measure::Vnd | Measure::Units if v < 0.0 => {
            c.add(field, "must not be negative");
        }
        Measure::Count | Measure::Vnd | Measure::Units if v.fract() != 0.0 => {
            c.add(field, "must be a whole number");
        }
        _ => {}
    }
}

/// The checked shape of a target, shared by create and update.
struct TargetFields {
    indicator: String,
    measure: Measure,
    aggregation: Aggregation,
    unit_kind: Option<String>,
    baseline_value: f64,
    baseline_on: NaiveDate,
    target_value: f64,
    deadline: NaiveDate,
    higher_is_better: bool,
}

fn check_target(c: &mut Checks, campaign: &campaign::Model, f: &mut TargetFields) {
    f.indicator = c.text("indicator", &f.indicator, 300);
    f.unit_kind = c.opt_text("unit_kind", f.unit_kind.as_deref(), 40);
    if f.aggregation == Aggregation::Ratio && f.measure != Measure::Percent {
        c.add("measure", "a ratio target is measured in percent");
    }
    if f.aggregation == Aggregation::CountTrue && f.measure != Measure::Units {
        c.add("measure", "a count_true target counts units");
    }
    check_figure(c, "baseline_value", f.measure, f.baseline_value);
    check_figure(c, "target_value", f.measure, f.target_value);
    if f.higher_is_better && f.target_value < f.baseline_value {
        c.add(
            "target_value",
            "must not be below the baseline when higher is better",
        );
    }
    if !f.higher_is_better && f.target_value > f.baseline_value {
        c.add(
            "target_value",
            "must not be above the baseline when lower is better",
        );
    }
    if f.deadline < campaign.start_on || f.deadline > campaign.end_on {
        c.add(
            "due_on",
            format!(
                "must be within the campaign ({} to {})",
                campaign.start_on, campaign.end_on
            ),
        );
    }
    if f.baseline_on > f.deadline {
        c.add("baseline_on", "must not be after the deadline");
    }
}

async fn unit_kind_exists(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    bloc_id: Uuid,
    kind: Option<&str>,
) -> Result<(), DbErr> {
    use crate::entities::unit;
    let Some(kind) = kind else { return Ok(()) };
    let any = unit::Entity::find()
        .filter(unit::Column::BlocId.eq(bloc_id))
        .filter(unit::Column::Kind.eq(kind))
        .one(conn)
        .await?;
    if any.is_none() {
        c.add("unit_kind", format!("the bloc has no units of kind {kind}"));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn create_target(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    body: CreateTarget,
) -> ApiResult<TargetDto> {
    let txn = begin_write(db).await?;
    let campaign = find(&txn, caller, campaign_id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::CampaignTarget,
        Action::Create,
        &led_by(&campaign),
    )?;
    closed_is_final(&campaign)?;
    let mut f = TargetFields {
        indicator: body.indicator,
        measure: body.measure,
        aggregation: body.aggregation,
        unit_kind: body.unit_kind,
        baseline_value: body.baseline_value.unwrap_or(0.0),
        baseline_on: body.baseline_on.unwrap_or(campaign.start_on),
        target_value: body.target_value,
        deadline: body.deadline,
        higher_is_better: body.higher_is_better.unwrap_or(true),
    };
    let mut c = Checks::new();
    check_target(&mut c, &campaign, &mut f);
    unit_kind_exists(&txn, &mut c, campaign.bloc_id, f.unit_kind.as_deref()).await?;
    c.finish()?;
    let now = Utc::now();
    let m = campaign_target::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(campaign.bloc_id),
        campaign_id: Set(campaign.id),
        indicator: Set(f.indicator),
        measure: Set(f.measure.as_str().into()),
        aggregation: Set(f.aggregation.as_str().into()),
        unit_kind: Set(f.unit_kind),
        baseline_value: Set(f.baseline_value),
        baseline_on: Set(f.baseline_on),
        target_value: Set(f.target_value),
        deadline: Set(f.deadline),
        higher_is_better: Set(f.higher_is_better),
        created_by: Set(caller.account_id),
        parent_target_id: Set(None),
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
            action: "create",
            resource_type: TARGET_RESOURCE,
            resource_id: m.id,
            bloc_id: Some(m.bloc_id),
            before: None,
            after: Some(&target_dto(m.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(target_dto(m))
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id, target_id = %target_id))]
pub async fn update_target(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
    if_match: &IfMatch,
    body: UpdateTarget,
) -> ApiResult<TargetDto> {
    let txn = begin_write(db).await?;
    let (campaign, current) = find_target(&txn, caller, campaign_id, target_id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::CampaignTarget,
        Action::Update,
        &led_by(&campaign),
    )?;
    if_match.check(current.version)?;
    closed_is_final(&campaign)?;
    let before = target_dto(current.clone());
    let mut f = TargetFields {
        indicator: body.indicator.unwrap_or(current.indicator.clone()),
        measure: body.measure.unwrap_or(before.measure),
        aggregation: body.aggregation.unwrap_or(before.aggregation),
        unit_kind: body.unit_kind.clone().unwrap_or(current.unit_kind.clone()),
        baseline_value: body.baseline_value.unwrap_or(current.baseline_value),
        baseline_on: body.baseline_on.unwrap_or(current.baseline_on),
        target_value: body.target_value.unwrap_or(current.target_value),
        deadline: body.deadline.unwrap_or(current.deadline),
        higher_is_better: body.higher_is_better.unwrap_or(current.higher_is_better),
    };
    let mut c = Checks::new();
    check_target(&mut c, &campaign, &mut f);
    if f.unit_kind != current.unit_kind {
        unit_kind_exists(&txn, &mut c, campaign.bloc_id, f.unit_kind.as_deref()).await?;
    }
    c.finish()?;
    if (f.measure != before.measure || f.aggregation != before.aggregation)
        && campaign_measurement::Entity::find()
            .filter(campaign_measurement::Column::TargetId.eq(target_id))
            .one(&txn)
            .await?
            .is_some()
    {
        return Err(ApiError::conflict(
            "the target has figures: its measure and aggregation can no longer change",
        ));
    }
    let mut am: campaign_target::ActiveModel = current.clone().into();
    am.indicator = Set(f.indicator);
    am.measure = Set(f.measure.as_str().into());
    am.aggregation = Set(f.aggregation.as_str().into());
    am.unit_kind = Set(f.unit_kind);
    am.baseline_value = Set(f.baseline_value);
    am.baseline_on = Set(f.baseline_on);
    am.target_value = Set(f.target_value);
    am.deadline = Set(f.deadline);
    am.higher_is_better = Set(f.higher_is_better);
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated =
        save_if_unchanged(&txn, am, campaign_target::Column::Version, current.version).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: TARGET_RESOURCE,
            resource_id: target_id,
            bloc_id: Some(updated.bloc_id),
            before: Some(&before),
            after: Some(&target_dto(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(target_dto(updated))
}
