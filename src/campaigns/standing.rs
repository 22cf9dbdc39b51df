//! Where a campaign stands, read from its figures: each target's progress against its line,
//! the units that have not reported, the monthly series, and the campaigns report.
use super::figures::aggregation_of;
use super::{
    dto::{
        BlocFigure, CampaignKind, CampaignProgress, CampaignReport, CampaignReportQuery,
        ProgressQuery, SeriesPoint, TargetHeadline, TargetProgress, UnitFigure, UnitRef,
    },
    progress::{self, Figure, Line},
    service::{self, status_of},
    targets::{self, target_dto},
};
use crate::{
    auth::Caller,
    entities::{bloc, campaign, campaign_measurement, campaign_target, unit},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Page},
    tenancy::{self, Scope},
};
use chrono::{Datelike, NaiveDate};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// The units of the blocs counted, by kind, in name order: who is expected to report on a day
/// (units closed before it, or opened after it, are not).
#[derive(Clone)]
struct Units(Vec<(Uuid, String, String, Uuid)>);

impl Units {
    async fn of(
        conn: &impl ConnectionTrait,
        bloc_ids: &[Uuid],
        day: NaiveDate,
    ) -> Result<Self, DbErr> {
        Ok(Units(
            unit::Entity::find()
                .select_only()
                .columns([
                    unit::Column::Id,
                    unit::Column::Name,
                    unit::Column::Kind,
                    unit::Column::BlocId,
                ])
                .filter(unit::Column::BlocId.is_in(bloc_ids.iter().copied()))
                .filter(
                    Condition::any()
                        .add(unit::Column::ValidFrom.is_null())
                        .add(unit::Column::ValidFrom.lte(day)),
                )
                .filter(
                    Condition::any()
                        .add(unit::Column::ValidTo.is_null())
                        .add(unit::Column::ValidTo.gte(day)),
                )
                .order_by_asc(unit::Column::NameFolded)
                .order_by_asc(unit::Column::Id)
                .into_tuple()
                .all(conn)
                .await?,
        ))
    }

    fn in_scope<'a>(
        &'a self,
        kind: Option<&'a str>,
    ) -> impl Iterator<Item = (Uuid, &'a str, Uuid)> {
        self.0
            .iter()
            .filter(move |(_, _, k, _)| kind.is_none_or(|kind| k == kind))
            .map(|(id, name, _, bloc)| (*id, name.as_str(), *bloc))
    }
}

/// What a target's progress is read from: its own figures and units, and for a cascaded
/// campaign those of every child bloc's linked target.
struct Inputs {
    figures: Vec<Figure>,
    units: Units,
    /// The child blocs counted, by name, when the campaign was cascaded.
    blocs: Vec<(Uuid, String)>,
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
    input: &Inputs,
    as_of: NaiveDate,
    since: NaiveDate,
    detailed: bool,
) -> TargetProgress {
    let (figs, units) = (&input.figures, &input.units);
    let agg = aggregation_of(t);
    let scope: HashMap<Uuid, (&str, Uuid)> = units
        .in_scope(t.unit_kind.as_deref())
        .map(|(id, name, bloc)| (id, (name, bloc)))
        .collect();
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
    for (id, name, _) in units.in_scope(t.unit_kind.as_deref()) {
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
    // A cascaded campaign's figure, bloc by bloc: each bloc's units by the same aggregation,
    // grouped in one pass (a hundred blocs over a thousand units each time was 200,000 steps).
    let mut per_bloc: HashMap<Uuid, (Vec<&Figure>, i64)> = HashMap::new();
    if !input.blocs.is_empty() {
        for (_, b) in scope.values() {
            per_bloc.entry(*b).or_default().1 += 1;
        }
        for (u, f) in &latest {
            if let Some((_, b)) = scope.get(u) {
                per_bloc.entry(*b).or_default().0.push(*f);
            }
        }
    }
    let blocs = input
        .blocs
        .iter()
        .map(|(bloc_id, name)| {
            let (mine, in_scope) = per_bloc.remove(bloc_id).unwrap_or_default();
            let c = progress::combine(agg, mine);
            BlocFigure {
                bloc_id: *bloc_id,
                bloc_name: name.clone(),
                value: c.value,
                numerator: c.numerator,
                denominator: c.denominator,
                units_in_scope: in_scope,
                units_reporting: c.units_reporting,
            }
        })
        .collect();
    let dto = target_dto(t.clone());
    TargetProgress {
        blocs,
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

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn progress(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    q: ProgressQuery,
) -> ApiResult<CampaignProgress> {
    crate::policy::may_read(caller, crate::policy::Resource::Campaign)?;
    let as_of = q.as_of.unwrap_or_else(crate::clock::today);
    let since = q.reported_since.unwrap_or_else(|| first_of_month(as_of));
    if since > as_of {
        return Err(ApiError::bad_field(
            "reported_from",
            "must not be after as_of",
        ));
    }
    // The parent bloc reads a cascaded child's progress; a child its parent's.
    let campaign = service::find_readable(db, caller, campaign_id).await?;
    let targets = targets::targets_of(db, campaign.id).await?;
    let targets = inputs(db, &targets, as_of)
        .await?
        .iter()
        .zip(&targets)
        .map(|(input, t)| target_progress(t, input, as_of, since, true))
        .collect();
    let counts = service::task_counts(db, &[&campaign]).await?;
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
    let mut one = headlines(conn, std::slice::from_ref(t), as_of).await?;
    Ok(one.remove(0))
}

/// The figures that count of many targets up to `as_of`, by target (the order of rows is the
/// database's: every reader picks by day and id).
async fn figures_by_target(
    conn: &impl ConnectionTrait,
    targets: &[Uuid],
    as_of: NaiveDate,
) -> Result<HashMap<Uuid, Vec<Figure>>, DbErr> {
    type Row = (
        Uuid,
        Uuid,
        Uuid,
        NaiveDate,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<bool>,
    );
    let mut out: HashMap<Uuid, Vec<Figure>> = HashMap::new();
    for (target, id, unit_id, day, value, numerator, denominator, met) in
        campaign_measurement::Entity::find()
            .select_only()
            .columns([
                campaign_measurement::Column::TargetId,
                campaign_measurement::Column::Id,
                campaign_measurement::Column::UnitId,
                campaign_measurement::Column::AsOf,
                campaign_measurement::Column::Value,
                campaign_measurement::Column::Numerator,
                campaign_measurement::Column::Denominator,
                campaign_measurement::Column::Met,
            ])
            .filter(campaign_measurement::Column::TargetId.is_in(targets.iter().copied()))
            .filter(campaign_measurement::Column::AsOf.lte(as_of))
            .filter(campaign_measurement::Column::SupersededBy.is_null())
            .into_tuple::<Row>()
            .all(conn)
            .await?
    {
        out.entry(target).or_default().push(Figure {
            id,
            unit_id,
            as_of: day,
            value,
            numerator,
            denominator,
            met,
        });
    }
    Ok(out)
}

/// What many targets' progress is read from, in their order, from a handful of reads for all of
/// them (the summary's fifty campaigns were fifty times five): their cascaded targets, all the
/// figures, all the units of the blocs counted, and merged units only if a figure's unit was
/// merged.
async fn inputs(
    conn: &impl ConnectionTrait,
    targets: &[campaign_target::Model],
    as_of: NaiveDate,
) -> Result<Vec<Inputs>, DbErr> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = targets.iter().map(|t| t.id).collect();
    let mut kids: HashMap<Uuid, Vec<(Uuid, Uuid)>> = HashMap::new();
    for (id, b, parent) in campaign_target::Entity::find()
        .select_only()
        .columns([
            campaign_target::Column::Id,
            campaign_target::Column::BlocId,
            campaign_target::Column::ParentTargetId,
        ])
        .filter(campaign_target::Column::ParentTargetId.is_in(ids.iter().copied()))
        .into_tuple::<(Uuid, Uuid, Option<Uuid>)>()
        .all(conn)
        .await?
    {
        if let Some(p) = parent {
            kids.entry(p).or_default().push((id, b));
        }
    }
    // Each target's own id and bloc first, then its children's, as `inputs` reads them.
    let sets: Vec<(Vec<Uuid>, Vec<Uuid>)> = targets
        .iter()
        .map(|t| {
            let mut ts = vec![t.id];
            let mut bs = vec![t.bloc_id];
            for (id, b) in kids.get(&t.id).into_iter().flatten() {
                ts.push(*id);
                bs.push(*b);
            }
            (ts, bs)
        })
        .collect();
    let all_targets: Vec<Uuid> = sets.iter().flat_map(|(ts, _)| ts.iter().copied()).collect();
    let all_blocs: Vec<Uuid> = {
        let mut v: Vec<Uuid> = sets.iter().flat_map(|(_, bs)| bs.iter().copied()).collect();
        v.sort();
        v.dedup();
        v
    };
    let figures_of = figures_by_target(conn, &all_targets, as_of).await?;
    let units_seen: Vec<Uuid> = {
        let mut v: Vec<Uuid> = figures_of.values().flatten().map(|f| f.unit_id).collect();
        v.sort();
        v.dedup();
        v
    };
    let any_merged = !units_seen.is_empty()
        && unit::Entity::find()
            .select_only()
            .column(unit::Column::Id)
            .filter(unit::Column::Id.is_in(units_seen))
            .filter(unit::Column::SuccessorId.is_not_null())
            .filter(unit::Column::ValidTo.lt(as_of))
            .into_tuple::<Uuid>()
            .one(conn)
            .await?
            .is_some();
    let every_unit = Units::of(conn, &all_blocs, as_of).await?;
    let names: HashMap<Uuid, (String, String)> = if kids.is_empty() {
        HashMap::new()
    } else {
        bloc::Entity::find()
            .filter(bloc::Column::Id.is_in(all_blocs.iter().copied()))
            .all(conn)
            .await?
            .into_iter()
            .map(|b| (b.id, (b.name_folded, b.name)))
            .collect()
    };
    let mut out = Vec::with_capacity(targets.len());
    for (t, (ts, bs)) in targets.iter().zip(sets) {
        let mut figs: Vec<Figure> = ts
            .iter()
            .flat_map(|id| figures_of.get(id).cloned().unwrap_or_default())
            .collect();
        if any_merged {
            figs = super::lineage::carried(conn, figs, aggregation_of(t), as_of).await?;
        }
        let units = Units(
            every_unit
                .0
                .iter()
                .filter(|u| bs.contains(&u.3))
                .cloned()
                .collect(),
        );
        let mut blocs: Vec<(&String, Uuid, String)> = Vec::new();
        if bs.len() > 1 {
            for b in &bs {
                if let Some((folded, name)) = names.get(b)
                    && !blocs.iter().any(|(_, x, _)| x == b)
                {
                    blocs.push((folded, *b, name.clone()));
                }
            }
        }
        blocs.sort_by(|a, b| a.0.cmp(b.0));
        let blocs: Vec<(Uuid, String)> = blocs.into_iter().map(|(_, b, n)| (b, n)).collect();
        out.push(Inputs {
            figures: figs,
            units,
            blocs,
        });
    }
    Ok(out)
}

/// Many targets' headlines as of a date, in their order; one target's is [`headline`].
pub async fn headlines(
    conn: &impl ConnectionTrait,
    targets: &[campaign_target::Model],
    as_of: NaiveDate,
) -> Result<Vec<TargetHeadline>, DbErr> {
    let since = first_of_month(as_of);
    Ok(inputs(conn, targets, as_of)
        .await?
        .iter()
        .zip(targets)
        .map(|(input, t)| to_headline(target_progress(t, input, as_of, since, false)))
        .collect())
}

/// The headlines of every target of `campaigns`, by campaign, each campaign's in target order:
/// all their targets read in one statement, their headlines together.
pub async fn headlines_by_campaign(
    conn: &impl ConnectionTrait,
    campaigns: &[campaign::Model],
    as_of: NaiveDate,
) -> Result<HashMap<Uuid, Vec<TargetHeadline>>, DbErr> {
    let ids: Vec<Uuid> = campaigns.iter().map(|c| c.id).collect();
    let targets = targets::targets_of_campaigns(conn, &ids).await?;
    let mut out: HashMap<Uuid, Vec<TargetHeadline>> = HashMap::new();
    for (t, h) in targets.iter().zip(headlines(conn, &targets, as_of).await?) {
        out.entry(t.campaign_id).or_default().push(h);
    }
    Ok(out)
}

/// Every campaign in scope with its headline figures as of a date.
#[tracing::instrument(skip_all)]
pub async fn report(
    db: &DatabaseConnection,
    caller: &Caller,
    q: CampaignReportQuery,
) -> ApiResult<Page<CampaignReport>> {
    crate::policy::may_read(caller, crate::policy::Resource::Summary)?;
    let limit = pagination::limit(q.limit)?;
    let keyset = Keyset::<campaign::Column>::parse(None, q.cursor.as_deref(), &[])?;
    let as_of = q.as_of.unwrap_or_else(crate::clock::today);
    let mut select = tenancy::select::<campaign::Entity>(
        &Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref()),
    );
    if let Some(s) = q.status {
        select = select.filter(campaign::Column::Status.eq(s.as_str()));
    }
    let mut rows = keyset
        .apply(select, campaign::Column::Id, limit)
        .all(db)
        .await?;
    let cursor = keyset.next_cursor(&mut rows, limit, |m| (json!(null), m.id));
    let counts = service::task_counts(db, &rows.iter().collect::<Vec<_>>()).await?;
    let mut items = Vec::with_capacity(rows.len());
    let mut headlines = headlines_by_campaign(db, &rows, as_of).await?;
    for c in rows {
        let targets = headlines.remove(&c.id).unwrap_or_default();
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

/// A target's headline as spreadsheet cells: indicator, result, goal, due day, units reporting,
/// units in scope, progress (the campaign report and the province summary share them).
pub fn headline_cells(t: &TargetHeadline) -> Vec<crate::spreadsheet::Cell> {
    use crate::spreadsheet::{Cell, number, percent};
    vec![
        t.indicator.clone().into(),
        number(t.value),
        Cell::Number(t.target_value),
        Cell::Date(t.deadline),
        Cell::Count(t.units_reporting),
        Cell::Count(t.units_in_scope),
        percent(t.percent_of_way),
    ]
}

/// The campaign report as a workbook: one row per target, its campaign's columns repeated.
pub fn sheets(
    items: &[CampaignReport],
    scope: &str,
    as_of: NaiveDate,
) -> Vec<crate::spreadsheet::Sheet> {
    use crate::spreadsheet::{Cell, Sheet, day};
    let status = |s: super::dto::CampaignStatus| match s {
        super::dto::CampaignStatus::Planned => "Chưa bắt đầu",
        super::dto::CampaignStatus::Active => "Đang thực hiện",
        super::dto::CampaignStatus::Closed => "Đã kết thúc",
    };
    let mut rows = Vec::new();
    for c in items {
        let campaign = |rest: Vec<Cell>| {
            let mut row: Vec<Cell> = vec![
                c.name.clone().into(),
                status(c.status).into(),
                Cell::Date(c.start_on),
                Cell::Date(c.end_on),
            ];
            row.extend(rest);
            row.push(Cell::Count(c.open_tasks));
            row.push(Cell::Count(c.overdue_tasks));
            row
        };
        if c.targets.is_empty() {
            rows.push(campaign(vec![Cell::Empty; 7]));
        }
        for t in &c.targets {
            rows.push(campaign(headline_cells(t)));
        }
    }
    vec![Sheet {
        name: "Cuộc vận động".into(),
        title: "Báo cáo kết quả các cuộc vận động, phong trào thi đua".into(),
        subtitle: format!("{scope} — số liệu tính đến {}", day(as_of)),
        headers: vec![
            "Cuộc vận động",
            "Trạng thái",
            "Bắt đầu",
            "Kết thúc",
            "Chỉ tiêu",
            "Kết quả",
            "Mục tiêu",
            "Hạn",
            "Đơn vị đã báo cáo",
            "Đơn vị trong phạm vi",
            "Tiến độ",
            "Nhiệm vụ đang mở",
            "Nhiệm vụ quá hạn",
        ],
        rows,
    }]
}
