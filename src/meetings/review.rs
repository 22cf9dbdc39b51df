//! The monthly review (giao ban tháng): the month's tasks by standing, per sub-committee and
//! organisation, and each campaign's figures in the month.
use super::dto::{
    MonthlyReview, MonthlyReviewQuery, ReviewCampaign, ReviewGroup, ReviewTarget, TaskCounts,
};
use crate::{
    auth::Caller,
    campaigns,
    entities::{campaign, campaign_measurement, organisation, sub_committee, task},
    error::{ApiError, ApiResult},
    tasks::{
        dates::{open_on, standing_on},
        workflow::Standing,
    },
    tenancy::{self, Scope},
};
use chrono::{Datelike, NaiveDate};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Condition, Expr, Func, SimpleExpr},
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

fn parse_month(raw: &str) -> ApiResult<(NaiveDate, NaiveDate)> {
    let bad = || ApiError::bad_field("month", "must be YYYY-MM, e.g. 2016-03");
    let (y, m) = raw.trim().split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1900..=9998).contains(&y) || y.to_string().len() != 4 {
        return Err(bad());
    }
    let from = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    Ok((from, campaigns::progress::month_end(y, m)))
}

/// Task counts per (sub-committee, lead organisation) for one condition.
async fn grouped(
    conn: &impl ConnectionTrait,
    scope: &Scope,
    cond: Condition,
) -> Result<Vec<(Option<Uuid>, Option<Uuid>, i64)>, DbErr> {
    tenancy::select::<task::Entity>(scope)
        .select_only()
        .column(task::Column::SubCommitteeId)
        .column(task::Column::LeadOrganisationId)
        .column_as(
            SimpleExpr::from(Func::count(Expr::col(task::Column::Id))),
            "n",
        )
        .filter(cond)
        .group_by(task::Column::SubCommitteeId)
        .group_by(task::Column::LeadOrganisationId)
        .into_tuple()
        .all(conn)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn monthly_review(
    db: &DatabaseConnection,
    caller: &Caller,
    q: MonthlyReviewQuery,
) -> ApiResult<MonthlyReview> {
    crate::policy::may_read(caller, crate::policy::Resource::Summary)?;
    let (from, to) = parse_month(&q.month)?;
    let scope = Scope::of(caller);
    let today = crate::clock::today();
    let cutoff = std::cmp::min(to, today);
    let (ny, nm) = if to.month() == 12 {
        (to.year() + 1, 1)
    } else {
        (to.year(), to.month() + 1)
    };
    let next_from = NaiveDate::from_ymd_opt(ny, nm, 1).unwrap_or(to);
    let next_to = campaigns::progress::month_end(ny, nm);
    // Counted by the days things happened (opened, completed, cancelled), as they stood at the
    // end of the month (or today): the task list's own standings, as of that day.
    let completed_in_month = |s: Standing| {
        standing_on(s, cutoff)
            .add(task::Column::CompletedOn.gte(from))
            .add(task::Column::CompletedOn.lte(to))
    };
    let still_open = open_on(cutoff);
    let metrics: [(usize, Condition); 5] = [
        (0, completed_in_month(Standing::CompletedOnTime)),
        (1, completed_in_month(Standing::CompletedLate)),
        (2, still_open.clone()),
        (3, standing_on(Standing::Overdue, cutoff)),
        (
            4,
            still_open
                .add(task::Column::DueDate.gte(next_from))
                .add(task::Column::DueDate.lte(next_to)),
        ),
    ];
    let mut by_sc: BTreeMap<Option<Uuid>, TaskCounts> = BTreeMap::new();
    let mut by_org: BTreeMap<Option<Uuid>, TaskCounts> = BTreeMap::new();
    let mut totals = TaskCounts::default();
    fn bump(c: &mut TaskCounts, metric: usize, n: i64) {
        match metric {
            0 => c.completed_on_time += n,
            1 => c.completed_late += n,
            2 => c.open += n,
            3 => c.overdue += n,
            _ => c.due_next_month += n,
        }
    }
    for (metric, cond) in metrics {
        for (sc, org, n) in grouped(db, &scope, cond).await? {
            bump(by_sc.entry(sc).or_default(), metric, n);
            bump(by_org.entry(org).or_default(), metric, n);
            bump(&mut totals, metric, n);
        }
    }
    let sc_names: HashMap<Uuid, String> = tenancy::select::<sub_committee::Entity>(&scope)
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let org_names: HashMap<Uuid, String> = tenancy::select::<organisation::Entity>(&scope)
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let group = |map: BTreeMap<Option<Uuid>, TaskCounts>, names: &HashMap<Uuid, String>| {
        map.into_iter()
            .map(|(id, tasks)| ReviewGroup {
                id,
                name: id.and_then(|i| names.get(&i).cloned()),
                tasks,
            })
            .collect::<Vec<_>>()
    };
    let mut campaigns_out = Vec::new();
    for c in tenancy::select::<campaign::Entity>(&scope)
        .filter(campaign::Column::StartOn.lte(to))
        .filter(campaign::Column::EndOn.gte(from))
        .order_by_asc(campaign::Column::Id)
        .all(db)
        .await?
    {
        let mut targets = Vec::new();
        for t in campaigns::targets::targets_of(db, c.id).await? {
            let in_month: Vec<Uuid> = campaign_measurement::Entity::find()
                .select_only()
                .column(campaign_measurement::Column::UnitId)
                .filter(campaign_measurement::Column::TargetId.eq(t.id))
                .filter(campaign_measurement::Column::SupersededBy.is_null())
                .filter(campaign_measurement::Column::AsOf.gte(from))
                .filter(campaign_measurement::Column::AsOf.lte(to))
                .into_tuple()
                .all(db)
                .await?;
            let mut units = in_month.clone();
            units.sort();
            units.dedup();
            let headline = campaigns::standing::headline(db, &t, to).await?;
            targets.push(ReviewTarget {
                target_id: t.id,
                indicator: t.indicator.clone(),
                figures_in_month: in_month.len() as i64,
                units_reporting_in_month: units.len() as i64,
                value_at_month_end: headline.value,
                target_value: t.target_value,
            });
        }
        campaigns_out.push(ReviewCampaign {
            campaign_id: c.id,
            name: c.name,
            targets,
        });
    }
    Ok(MonthlyReview {
        month: format!("{:04}-{:02}", from.year(), from.month()),
        from,
        to,
        totals,
        by_sub_committee: group(by_sc, &sc_names),
        by_organisation: group(by_org, &org_names),
        campaigns: campaigns_out,
    })
}

/// The review as a workbook: tasks by sub-committee and by lead organisation, each with a
/// total row, and the campaigns' figures.
pub fn sheets(r: &MonthlyReview, scope: &str) -> Vec<crate::spreadsheet::Sheet> {
    use crate::spreadsheet::{Cell, Sheet, day, number};
    let month = format!("{:02}/{}", r.from.month(), r.from.year());
    let subtitle = format!("{scope} — từ {} đến {}", day(r.from), day(r.to));
    let counts = |name: Cell, t: &TaskCounts| {
        vec![
            name,
            Cell::Count(t.completed_on_time),
            Cell::Count(t.completed_late),
            Cell::Count(t.open),
            Cell::Count(t.overdue),
            Cell::Count(t.due_next_month),
        ]
    };
    let by = |tab: &str, first: &'static str, groups: &[ReviewGroup]| {
        let mut rows: Vec<Vec<Cell>> = groups
            .iter()
            .map(|g| {
                counts(
                    g.name
                        .clone()
                        .unwrap_or_else(|| "(Chưa phân công)".into())
                        .into(),
                    &g.tasks,
                )
            })
            .collect();
        rows.push(counts("Tổng cộng".into(), &r.totals));
        Sheet {
            name: tab.into(),
            title: format!("Kết quả thực hiện nhiệm vụ tháng {month}"),
            subtitle: subtitle.clone(),
            headers: vec![
                first,
                "Hoàn thành đúng hạn",
                "Hoàn thành quá hạn",
                "Đang thực hiện",
                "Trong đó quá hạn",
                "Đến hạn tháng sau",
            ],
            rows,
        }
    };
    let campaigns = Sheet {
        name: "Cuộc vận động".into(),
        title: format!("Số liệu các cuộc vận động tháng {month}"),
        subtitle: subtitle.clone(),
        headers: vec![
            "Cuộc vận động",
            "Chỉ tiêu",
            "Số liệu trong tháng",
            "Đơn vị báo cáo trong tháng",
            "Giá trị cuối tháng",
            "Mục tiêu",
        ],
        rows: r
            .campaigns
            .iter()
            .flat_map(|c| {
                c.targets.iter().map(|t| {
                    vec![
                        c.name.clone().into(),
                        t.indicator.clone().into(),
                        Cell::Count(t.figures_in_month),
                        Cell::Count(t.units_reporting_in_month),
                        number(t.value_at_month_end),
                        Cell::Number(t.target_value),
                    ]
                })
            })
            .collect(),
    };
    vec![
        by("Theo tiểu ban", "Tiểu ban", &r.by_sub_committee),
        by(
            "Theo tổ chức chủ trì",
            "Tổ chức chủ trì",
            &r.by_organisation,
        ),
        campaigns,
    ]
}
