//! Unit figures (measurements), their corrections, and the progress read from them.
use super::{
    dto::{
        CampaignKind, CampaignProgress, CampaignReport, CampaignReportQuery, MeasurementDto,
        MeasurementQuery, NewMeasurement, ProgressQuery, SeriesPoint, TargetHeadline,
        TargetProgress, UnitFigure, UnitRef,
    },
    progress::{self, Aggregation, Figure, Line},
    service::{self, closed_is_final, status_of},
    targets::{self, check_figure, find_target, target_dto},
};
use crate::{
    audit,
    auth::Caller,
    entities::{campaign, campaign_measurement, campaign_target, unit},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs,
    state::AppState,
    tenancy::{self, Scope},
    validate::{self, Checks},
};
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::Expr,
};
use serde_json::json;
use std::collections::HashMap;
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
        evidence_url: m.evidence_url,
        note: m.note,
        supersedes_id: m.supersedes_id,
        superseded_by: m.superseded_by,
        recorded_by: m.recorded_by,
        recorded_by_staff_id: m.recorded_by_staff_id,
        created_at: m.created_at,
    }
}

fn aggregation_of(t: &campaign_target::Model) -> Aggregation {
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

fn check_link(c: &mut Checks, field: &str, v: Option<&str>) -> Option<String> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    if !(v.starts_with("http://") || v.starts_with("https://"))
        || v.len() > 2000
        || v.contains(char::is_whitespace)
    {
        c.add(field, "must be an http or https link");
    }
    Some(v.to_string())
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
    } else if d > validate::today() {
        c.add(field, "must not be in the future");
    }
}

/// Records a figure (or a correction) in the caller's transaction.
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
    if let Some(u) = refs::unit_in_bloc(
        conn,
        &mut c,
        "unit_id",
        campaign.bloc_id,
        Some(body.unit_id),
    )
    .await?
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
    check_campaign_date(&mut c, "as_of", &campaign, body.as_of);
    check_shape(&mut c, &target, &body);
    let source = c.opt_text("source", body.source.as_deref(), 300);
    let evidence_url = check_link(&mut c, "evidence_url", body.evidence_url.as_deref());
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
        evidence_url: Set(evidence_url),
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
    let out = to_dto(m);
    audit::change(
        conn,
        caller,
        if old.is_some() { "correct" } else { "create" },
        RESOURCE,
        id,
        Some(campaign.bloc_id),
        None,
        Some(&out),
    )
    .await?;
    Ok(out)
}

fn sort_fields() -> [SortField<campaign_measurement::Column>; 2] {
    [
        SortField {
            name: "as_of",
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

pub async fn list(
    state: &AppState,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
    q: MeasurementQuery,
) -> ApiResult<Page<MeasurementDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Measurement)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    find_target(&state.db, caller, campaign_id, target_id).await?;
    if let (Some(f), Some(t)) = (q.as_of_from, q.as_of_to)
        && f > t
    {
        return Err(ApiError::bad_field(
            "as_of_from",
            "must not be after as_of_to",
        ));
    }
    let mut select = tenancy::select::<campaign_measurement::Entity>(&Scope::of(caller))
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
    Ok(keyset
        .fetch(
            &state.db,
            select,
            campaign_measurement::Column::Id,
            limit,
            |m| {
                let v = match field {
                    Some("as_of") => json!(m.as_of),
                    Some("created_at") => json!(m.created_at),
                    _ => json!(null),
                };
                (v, m.id)
            },
            to_dto,
        )
        .await?)
}

pub async fn get(
    state: &AppState,
    caller: &Caller,
    campaign_id: Uuid,
    target_id: Uuid,
    id: Uuid,
) -> ApiResult<MeasurementDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Measurement)?;
    find_target(&state.db, caller, campaign_id, target_id).await?;
    let m = tenancy::find_under::<campaign_measurement::Entity>(
        &state.db,
        &Scope::of(caller),
        id,
        campaign_measurement::Column::TargetId,
        target_id,
        "measurement",
    )
    .await?;
    Ok(to_dto(m))
}

// ---- progress ----

/// The figures that count (not superseded) of a target up to `as_of`, only the columns needed.
async fn figures(
    conn: &impl ConnectionTrait,
    target_id: Uuid,
    as_of: NaiveDate,
) -> Result<Vec<Figure>, DbErr> {
    type Row = (
        Uuid,
        Uuid,
        NaiveDate,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<bool>,
    );
    let rows: Vec<Row> = campaign_measurement::Entity::find()
        .select_only()
        .columns([
            campaign_measurement::Column::Id,
            campaign_measurement::Column::UnitId,
            campaign_measurement::Column::AsOf,
            campaign_measurement::Column::Value,
            campaign_measurement::Column::Numerator,
            campaign_measurement::Column::Denominator,
            campaign_measurement::Column::Met,
        ])
        .filter(campaign_measurement::Column::TargetId.eq(target_id))
        .filter(campaign_measurement::Column::AsOf.lte(as_of))
        .filter(campaign_measurement::Column::SupersededBy.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, unit_id, as_of, value, numerator, denominator, met)| Figure {
                id,
                unit_id,
                as_of,
                value,
                numerator,
                denominator,
                met,
            },
        )
        .collect())
}

/// The units of a bloc, by kind, in name order: who is expected to report.
struct Units(Vec<(Uuid, String, String)>);

impl Units {
    async fn of(conn: &impl ConnectionTrait, bloc_id: Uuid) -> Result<Self, DbErr> {
        Ok(Units(
            unit::Entity::find()
                .select_only()
                .columns([unit::Column::Id, unit::Column::Name, unit::Column::Kind])
                .filter(unit::Column::BlocId.eq(bloc_id))
                .order_by_asc(unit::Column::NameFolded)
                .order_by_asc(unit::Column::Id)
                .into_tuple()
                .all(conn)
                .await?,
        ))
    }

    fn in_scope<'a>(&'a self, kind: Option<&'a str>) -> impl Iterator<Item = (Uuid, &'a str)> {
        self.0
            .iter()
            .filter(move |(_, _, k)| kind.is_none_or(|kind| k == kind))
            .map(|(id, name, _)| (*id, name.as_str()))
    }
}

fn line_of(t: &campaign_target::Model) -> Line {
    Line {
        baseline_value: t.baseline_value,
        baseline_on: t.baseline_on,
        target_value: t.target_value,
        deadline: t.deadline,
        higher_is_better: t.higher_is_better,
    }
}

fn target_progress(
    t: &campaign_target::Model,
    figs: &[Figure],
    units: &Units,
    as_of: NaiveDate,
    since: NaiveDate,
    detailed: bool,
) -> TargetProgress {
    let agg = aggregation_of(t);
    let scope: HashMap<Uuid, &str> = units.in_scope(t.unit_kind.as_deref()).collect();
    let figs: Vec<Figure> = figs
        .iter()
        .filter(|f| scope.contains_key(&f.unit_id))
        .cloned()
        .collect();
    let latest = progress::latest_by_unit(&figs, as_of);
    let combined = progress::combine(agg, latest.values().copied());
    let line = line_of(t);
    let mut units_out = Vec::new();
    let mut not_reported = Vec::new();
    for (id, name) in units.in_scope(t.unit_kind.as_deref()) {
        let f = latest.get(&id);
        let reported = f.is_some_and(|f| f.as_of >= since);
        if !reported {
            not_reported.push(UnitRef {
                id,
                name: name.to_string(),
            });
        }
        if detailed {
            units_out.push(UnitFigure {
                unit_id: id,
                unit_name: name.to_string(),
                measurement_id: f.map(|f| f.id),
                as_of: f.map(|f| f.as_of),
                value: f.and_then(|f| f.value),
                numerator: f.and_then(|f| f.numerator),
                denominator: f.and_then(|f| f.denominator),
                met: f.and_then(|f| f.met),
                reported,
            });
        }
    }
    let series = if detailed {
        progress::monthly_series(agg, &figs, t.baseline_on, as_of)
            .into_iter()
            .map(|p| SeriesPoint {
                month: p.month,
                value: p.combined.value,
                units_reporting: p.combined.units_reporting,
            })
            .collect()
    } else {
        vec![]
    };
    let dto = target_dto(t.clone());
    TargetProgress {
        target_id: t.id,
        indicator: t.indicator.clone(),
        measure: dto.measure,
        aggregation: agg,
        unit_kind: t.unit_kind.clone(),
        baseline_value: t.baseline_value,
        baseline_on: t.baseline_on,
        target_value: t.target_value,
        deadline: t.deadline,
        higher_is_better: t.higher_is_better,
        value: combined.value,
        numerator: combined.numerator,
        denominator: combined.denominator,
        units_met: combined.units_met,
        units_in_scope: scope.len() as i64,
        units_reporting: combined.units_reporting,
        percent_of_way: combined.value.map(|v| line.percent_of_way(v)),
        expected_value: line.expected_on(as_of),
        on_track: combined.value.map(|v| line.on_track(v, as_of)),
        not_reported,
        units: units_out,
        series,
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

pub async fn progress(
    state: &AppState,
    caller: &Caller,
    campaign_id: Uuid,
    q: ProgressQuery,
) -> ApiResult<CampaignProgress> {
    crate::policy::may_read(caller, crate::policy::Resource::Campaign)?;
    let as_of = q.as_of.unwrap_or_else(validate::today);
    let since = q.reported_since.unwrap_or_else(|| first_of_month(as_of));
    if since > as_of {
        return Err(ApiError::bad_field(
            "reported_since",
            "must not be after as_of",
        ));
    }
    let campaign = service::find(&state.db, caller, campaign_id).await?;
    let units = Units::of(&state.db, campaign.bloc_id).await?;
    let mut targets = Vec::new();
    for t in targets::targets_of(&state.db, campaign.id).await? {
        let figs = figures(&state.db, t.id, as_of).await?;
        targets.push(target_progress(&t, &figs, &units, as_of, since, true));
    }
    let counts = service::task_counts(&state.db, &[&campaign]).await?;
    let (open, overdue) = counts.get(&campaign.id).copied().unwrap_or_default();
    Ok(CampaignProgress {
        campaign_id: campaign.id,
        name: campaign.name.clone(),
        status: status_of(&campaign),
        as_of,
        reported_since: since,
        open_tasks: open,
        overdue_tasks: overdue,
        targets,
    })
}

fn to_headline(p: TargetProgress) -> TargetHeadline {
    TargetHeadline {
        target_id: p.target_id,
        indicator: p.indicator,
        measure: p.measure,
        aggregation: p.aggregation,
        value: p.value,
        target_value: p.target_value,
        deadline: p.deadline,
        units_in_scope: p.units_in_scope,
        units_reporting: p.units_reporting,
        percent_of_way: p.percent_of_way,
        on_track: p.on_track,
    }
}

/// One target's headline figures as of a date.
pub async fn headline(
    conn: &impl ConnectionTrait,
    t: &campaign_target::Model,
    as_of: NaiveDate,
) -> Result<TargetHeadline, DbErr> {
    let units = Units::of(conn, t.bloc_id).await?;
    let figs = figures(conn, t.id, as_of).await?;
    let since = first_of_month(as_of);
    Ok(to_headline(target_progress(
        t, &figs, &units, as_of, since, false,
    )))
}

/// Every campaign in scope with its headline figures as of a date.
pub async fn report(
    state: &AppState,
    caller: &Caller,
    q: CampaignReportQuery,
) -> ApiResult<Page<CampaignReport>> {
    crate::policy::may_read(caller, crate::policy::Resource::Summary)?;
    let limit = pagination::limit(q.limit)?;
    let keyset = Keyset::<campaign::Column>::parse(None, q.cursor.as_deref(), &[])?;
    let as_of = q.as_of.unwrap_or_else(validate::today);
    let since = first_of_month(as_of);
    let mut select = tenancy::select::<campaign::Entity>(&Scope::of(caller));
    if let Some(s) = q.status {
        select = select.filter(campaign::Column::Status.eq(s.as_str()));
    }
    let mut rows = keyset
        .apply(select, campaign::Column::Id, limit)
        .all(&state.db)
        .await?;
    let cursor = keyset.next_cursor(&mut rows, limit, |m| (json!(null), m.id));
    let counts = service::task_counts(&state.db, &rows.iter().collect::<Vec<_>>()).await?;
    let mut units: HashMap<Uuid, Units> = HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for c in rows {
        if let std::collections::hash_map::Entry::Vacant(e) = units.entry(c.bloc_id) {
            e.insert(Units::of(&state.db, c.bloc_id).await?);
        }
        let mut targets = Vec::new();
        for t in targets::targets_of(&state.db, c.id).await? {
            let figs = figures(&state.db, t.id, as_of).await?;
            let p = target_progress(&t, &figs, &units[&c.bloc_id], as_of, since, false);
            targets.push(to_headline(p));
        }
        let (open, overdue) = counts.get(&c.id).copied().unwrap_or_default();
        items.push(CampaignReport {
            campaign_id: c.id,
            bloc_id: c.bloc_id,
            kind: CampaignKind::parse(&c.kind).unwrap_or(CampaignKind::Movement),
            status: status_of(&c),
            name: c.name,
            start_on: c.start_on,
            end_on: c.end_on,
            open_tasks: open,
            overdue_tasks: overdue,
            targets,
        });
    }
    Ok(Page {
        items,
        next_cursor: cursor,
    })
}
