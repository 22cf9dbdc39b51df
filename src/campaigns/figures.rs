//! Unit figures (measurements), their corrections, and the progress read from them.
use super::{
    dto::{MeasurementDto, MeasurementQuery, NewMeasurement},
    progress::Aggregation,
    service::closed_is_final,
    targets::{check_figure, find_target, find_target_readable, target_dto},
};
use crate::{
    audit,
    auth::Caller,
    entities::{campaign, campaign_measurement, campaign_target, unit},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "campaign_measurement";

pub fn to_dto(m: campaign_measurement::Model) -> MeasurementDto {
    MeasurementDto {
        id: m.id,
        campaign_id: m.campaign_id,
        target_id: m.target_id,
        unit_id: m.unit_id,
        as_of: m.as_of,
        value: m.value,
        numerator: m.numerator,
        denominator: m.denominator,
        met: m.met,
        source: m.source,
        evidence: serde_json::from_str(&m.evidence).unwrap_or_default(),
        attachments: vec![],
        note: m.note,
        supersedes_id: m.supersedes_id,
        superseded_by: m.superseded_by,
        recorded_by: m.recorded_by,
        recorded_by_staff_id: m.recorded_by_staff_id,
        created_at: m.created_at,
    }
}

pub(super) fn aggregation_of(t: &campaign_target::Model) -> Aggregation {
    Aggregation::parse(&t.aggregation).unwrap_or(Aggregation::Sum)
}

/// The figure's shape must be the one its target's aggregation reads, and in range.
fn check_shape(c: &mut Checks, t: &campaign_target::Model, b: &NewMeasurement) {
    let dto = target_dto(t.clone());
    let wrong = |c: &mut Checks, field: &str, needs: &str| {
        c.add(
            field,
            format!(
                "a {} target takes {needs}, not {field}",
                dto.aggregation.as_str()
            ),
        )
    };
    match dto.aggregation {
        Aggregation::Ratio => {
            if b.value.is_some() {
                wrong(c, "value", "numerator and denominator");
            }
            if b.met.is_some() {
                wrong(c, "met", "numerator and denominator");
            }
            match (b.numerator, b.denominator) {
                (Some(n), Some(d)) => {
                    check_figure(c, "numerator", super::dto::Measure::Count, n);
                    check_figure(c, "denominator", super::dto::Measure::Count, d);
                    if d <= 0.0 {
                        c.add("denominator", "must be above 0");
                    } else if n > d {
                        c.add("numerator", "must not be above the denominator");
                    }
                }
                (n, d) => {
                    if n.is_none() {
                        c.add("numerator", "is required for a ratio target");
                    }
                    if d.is_none() {
                        c.add("denominator", "is required for a ratio target");
                    }
                }
            }
        }
        Aggregation::Sum | Aggregation::Average => {
            if b.numerator.is_some() {
                wrong(c, "numerator", "a value");
            }
            if b.denominator.is_some() {
                wrong(c, "denominator", "a value");
            }
            if b.met.is_some() {
                wrong(c, "met", "a value");
            }
            match b.value {
                Some(v) => check_figure(c, "value", dto.measure, v),
                None => c.add(
                    "value",
                    format!("is required for a {} target", dto.aggregation.as_str()),
                ),
            }
        }
        Aggregation::CountTrue => {
            for (field, present) in [
                ("value", b.value.is_some()),
                ("numerator", b.numerator.is_some()),
                ("denominator", b.denominator.is_some()),
            ] {
                if present {
                    wrong(c, field, "met (true or false)");
                }
            }
            if b.met.is_none() {
                c.add("met", "is required for a count_true target");
            }
        }
    }
}

/// A date a campaign's figures and registrations may carry: within the campaign, not ahead.
pub fn check_campaign_date(c: &mut Checks, field: &str, campaign: &campaign::Model, d: NaiveDate) {
    if d < campaign.start_on || d > campaign.end_on {
        c.add(
            field,
            format!(
                "must be within the campaign ({} to {})",
                campaign.start_on, campaign.end_on
            ),
        );
    } else if d > crate::clock::today() {
        c.add(field, "must not be in the future");
    }
}

/// Most figures in one reporting round (`POST …/measurements` with a list).
pub const MAX_ROUND: usize = 1000;

/// Records a reporting round: every figure or none. Each item's problems are named by its
/// index (`[3].unit_id`), all of them at once.
#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id, target_id = %target_id, n = items.len()))]
pub async fn record_round_in(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
    items: Vec<NewMeasurement>,
) -> ApiResult<Vec<MeasurementDto>> {
    if items.is_empty() || items.len() > MAX_ROUND {
        return Err(ApiError::invalid(
            "body",
            format!("a reporting round lists 1 to {MAX_ROUND} figures"),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, body) in items.into_iter().enumerate() {
        match record_in(conn, caller, campaign_id, target_id, body).await {
            Ok(m) => out.push(m),
            Err(ApiError::Validation(errs)) => {
                let at = format!("[{i}].");
                errors.extend(errs.into_iter().map(|e| e.under(&at)));
            }
            Err(ApiError::Conflict { detail, allowed }) => {
                return Err(ApiError::Conflict {
                    detail: format!("figure [{i}]: {detail}"),
                    allowed,
                });
            }
            Err(other) => return Err(other),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(out)
}

/// Records a figure (or a correction) in the caller's transaction.
#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id, target_id = %target_id))]
pub async fn record_in(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
    body: NewMeasurement,
) -> ApiResult<MeasurementDto> {
    let (campaign, target) = find_target(conn, caller, campaign_id, target_id).await?;
    let actor = Actor::of(conn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Measurement,
        Action::Create,
        &Target::default(),
    )?;
    closed_is_final(&campaign)?;
    let mut c = Checks::new();
    // The unit itself, for its life span: the one reference checked here that is also used.
    let unit = unit::Entity::find_by_id(body.unit_id)
        .filter(unit::Column::BlocId.eq(campaign.bloc_id))
        .one(conn)
        .await?;
    if unit.is_none() {
        c.add("unit_id", refs::Kind::Unit.missing());
    }
    // A unit's figures belong to its life span: after a merger its successor reports.
    if let Some(u) = &unit
        && (u.valid_to.is_some_and(|t| body.as_of > t)
            || u.valid_from.is_some_and(|f| body.as_of < f))
    {
        c.add(
            "measured_on",
            format!(
                "{} existed from {} to {}: a figure outside that span belongs to the unit before or after it",
                u.name,
                u.valid_from.map_or("its creation".to_string(), |d| d.to_string()),
                u.valid_to.map_or("today".to_string(), |d| d.to_string()),
            ),
        );
    }
    if let Some(u) = unit
        && let Some(kind) = &target.unit_kind
        && &u.kind != kind
    {
        c.add(
            "unit_id",
            format!(
                "this target is measured on units of kind {kind}; {} is a {}",
                u.name, u.kind
            ),
        );
    }
    check_campaign_date(&mut c, "measured_on", &campaign, body.as_of);
    check_shape(&mut c, &target, &body);
    let source = c.opt_text("source", body.source.as_deref(), 300);
    let evidence = c.evidence("evidence", &body.evidence);
    let note = c.opt_long_text("note", body.note.as_deref(), 4_000);
    let old = match body.supersedes_id {
        None => None,
        Some(old_id) => {
            let old = campaign_measurement::Entity::find_by_id(old_id)
                .filter(campaign_measurement::Column::TargetId.eq(target_id))
                .one(conn)
                .await?;
            match old {
                None => {
                    c.add("supersedes_id", "no such figure of this target");
                    None
                }
                Some(o) if o.unit_id != body.unit_id => {
                    c.add("supersedes_id", "a correction is for the same unit");
                    None
                }
                Some(o) => Some(o),
            }
        }
    };
    c.finish()?;
    if let Some(o) = &old
        && let Some(by) = o.superseded_by
    {
        return Err(ApiError::conflict(format!(
            "that figure was already corrected by {by}; correct the latest one"
        )));
    }
    let id = Uuid::now_v7();
    let m = campaign_measurement::ActiveModel {
        id: Set(id),
        bloc_id: Set(campaign.bloc_id),
        campaign_id: Set(campaign.id),
        target_id: Set(target.id),
        unit_id: Set(body.unit_id),
        as_of: Set(body.as_of),
        value: Set(body.value),
        numerator: Set(body.numerator),
        denominator: Set(body.denominator),
        met: Set(body.met),
        source: Set(source),
        evidence_url: Set(None),
        evidence: Set(serde_json::json!(evidence).to_string()),
        note: Set(note),
        supersedes_id: Set(old.as_ref().map(|o| o.id)),
        superseded_by: Set(None),
        recorded_by: Set(caller.account_id),
        recorded_by_staff_id: Set(actor.staff_id),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    if let Some(o) = &old {
        // Only the link is written on the old figure, and only if nobody corrected it meanwhile.
        let done = campaign_measurement::Entity::update_many()
            .col_expr(campaign_measurement::Column::SupersededBy, Expr::value(id))
            .filter(campaign_measurement::Column::Id.eq(o.id))
            .filter(campaign_measurement::Column::SupersededBy.is_null())
            .exec(conn)
            .await?;
        if done.rows_affected != 1 {
            return Err(ApiError::conflict(
                "that figure was corrected meanwhile; correct the latest one",
            ));
        }
    }
    let mut out = to_dto(m);
    out.attachments = crate::files::service::attach(
        conn,
        caller,
        campaign.bloc_id,
        "attachments",
        &body.attachments,
        (RESOURCE, id),
    )
    .await?;
    audit::log_and_announce(
        conn,
        caller,
        audit::Written {
            action: if old.is_some() { "correct" } else { "create" },
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(campaign.bloc_id),
            before: None,
            after: Some(&out),
        },
    )
    .await?;
    Ok(out)
}

fn sort_fields() -> [SortField<campaign_measurement::Column>; 2] {
    [
        SortField {
            name: "measured_on",
            column: campaign_measurement::Column::AsOf,
            kind: Kind::Date,
        },
        SortField {
            name: "created_at",
            column: campaign_measurement::Column::CreatedAt,
            kind: Kind::Time,
        },
    ]
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id, target_id = %target_id))]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
    q: MeasurementQuery,
) -> ApiResult<Page<MeasurementDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Measurement)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let (campaign, _) = find_target_readable(db, caller, campaign_id, target_id).await?;
    if let (Some(f), Some(t)) = (q.as_of_from, q.as_of_to)
        && f > t
    {
        return Err(ApiError::bad_field(
            "measured_from",
            "must not be after measured_to",
        ));
    }
    let mut select =
        tenancy::select::<campaign_measurement::Entity>(&Scope::Bloc(campaign.bloc_id))
            .filter(campaign_measurement::Column::TargetId.eq(target_id));
    if let Some(u) = q.unit_id {
        select = select.filter(campaign_measurement::Column::UnitId.eq(u));
    }
    if q.current_only == Some(true) {
        select = select.filter(campaign_measurement::Column::SupersededBy.is_null());
    }
    if let Some(f) = q.as_of_from {
        select = select.filter(campaign_measurement::Column::AsOf.gte(f));
    }
    if let Some(t) = q.as_of_to {
        select = select.filter(campaign_measurement::Column::AsOf.lte(t));
    }
    let field = keyset.field_name();
    let mut page = keyset
        .fetch(
            db,
            select,
            campaign_measurement::Column::Id,
            limit,
            |m| {
                let v = match field {
                    Some("measured_on") => json!(m.as_of),
                    Some("created_at") => json!(m.created_at),
                    _ => json!(null),
                };
                (v, m.id)
            },
            to_dto,
        )
        .await?;
    crate::files::service::fill_attachments(
        db,
        &mut page.items,
        |m| m.id,
        |m, files| m.attachments = files,
    )
    .await?;
    Ok(page)
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id, target_id = %target_id, id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
    id: Uuid,
) -> ApiResult<MeasurementDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Measurement)?;
    let (campaign, _) = find_target_readable(db, caller, campaign_id, target_id).await?;
    let m = tenancy::find_under::<campaign_measurement::Entity>(
        db,
        &Scope::Bloc(campaign.bloc_id),
        id,
        campaign_measurement::Column::TargetId,
        target_id,
        "measurement",
    )
    .await?;
    let mut out = [to_dto(m)];
    crate::files::service::fill_attachments(
        db,
        &mut out,
        |m| m.id,
        |m, files| m.attachments = files,
    )
    .await?;
    let [out] = out;
    Ok(out)
}
