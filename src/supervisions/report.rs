//! The supervision report over periods: supervisions held, recommendations made, settled and
//! overdue.
use super::dto::{
    OverdueRecommendation, Period, RecommendationStatus, SupervisionKind, SupervisionPeriod,
    SupervisionReportQuery, SupervisionStatus,
};
use super::service::{is_overdue, rec_status};

use crate::{
    auth::Caller,
    entities::{recommendation as rec, supervision as sup},
    error::ApiResult,
    tenancy::{self, Scope},
    validate,
};
use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

/// The periods covering `from..=to`.
pub fn periods(from: NaiveDate, to: NaiveDate, p: Period) -> Vec<(String, NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    let step = match p {
        Period::Month => 1,
        Period::Quarter => 3,
        Period::Year => 12,
    };
    // Align to the period's first month.
    m = (m - 1) / step * step + 1;
    loop {
        let start = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(from);
        if start > to {
            break;
        }
        let (ny, nm) = if m + step > 12 {
            (y + 1, m + step - 12)
        } else {
            (y, m + step)
        };
        let end = NaiveDate::from_ymd_opt(ny, nm, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(to);
        let label = match p {
            Period::Month => format!("{y:04}-{m:02}"),
            Period::Quarter => format!("{y:04}-Q{}", (m - 1) / 3 + 1),
            Period::Year => format!("{y:04}"),
        };
        out.push((label, start.max(from), end.min(to)));
        (y, m) = (ny, nm);
        if out.len() > 600 {
            break;
        }
    }
    out
}

#[tracing::instrument(skip_all)]
pub async fn report(
    db: &DatabaseConnection,
    caller: &Caller,
    q: SupervisionReportQuery,
) -> ApiResult<Vec<SupervisionPeriod>> {
    let today = crate::clock::today();
    let (from, to) = validate::period(q.from, q.to)?;
    let held: Vec<sup::Model> = tenancy::select::<sup::Entity>(&Scope::of(caller))
        .filter(sup::Column::PlannedStart.gte(from))
        .filter(sup::Column::PlannedStart.lte(to))
        .filter(sup::Column::Status.ne(SupervisionStatus::Planned.as_str()))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = held.iter().map(|s| s.id).collect();
    let mut recs: HashMap<Uuid, Vec<rec::Model>> = HashMap::new();
    if !ids.is_empty() {
        for r in rec::Entity::find()
            .filter(rec::Column::SupervisionId.is_in(ids))
            .order_by_asc(rec::Column::Id)
            .all(db)
            .await?
        {
            recs.entry(r.supervision_id).or_default().push(r);
        }
    }
    Ok(periods(from, to, q.period.unwrap_or(Period::Quarter))
        .into_iter()
        .map(|(label, start, end)| {
            let in_period: Vec<&sup::Model> = held
                .iter()
                .filter(|s| s.planned_start >= start && s.planned_start <= end)
                .collect();
            let kind = |k: SupervisionKind| {
                in_period.iter().filter(|s| s.kind == k.as_str()).count() as i64
            };
            let rs: Vec<&rec::Model> = in_period
                .iter()
                .flat_map(|s| recs.get(&s.id).into_iter().flatten())
                .collect();
            let implemented = rs
                .iter()
                .filter(|r| rec_status(r) == RecommendationStatus::Implemented)
                .count() as i64;
            SupervisionPeriod {
                period: label,
                from: start,
                to: end,
                held: in_period.len() as i64,
                by_kind_supervision: kind(SupervisionKind::Supervision),
                by_kind_social_criticism: kind(SupervisionKind::SocialCriticism),
                by_kind_inspection: kind(SupervisionKind::Inspection),
                recommendations: rs.len() as i64,
                implemented,
                implementation_rate: (!rs.is_empty()).then(|| {
                    crate::campaigns::progress::round(100.0 * implemented as f64 / rs.len() as f64)
                }),
                overdue: rs
                    .iter()
                    .filter(|r| is_overdue(r, today))
                    .map(|r| OverdueRecommendation {
                        id: r.id,
                        supervision_id: r.supervision_id,
                        text: r.text.clone(),
                        addressee: r.addressee.clone(),
                        due_on: r.due_on.unwrap_or(today),
                    })
                    .collect(),
            }
        })
        .collect())
}

/// The report as a workbook: one row per period, and the recommendations overdue today.
pub fn sheets(periods: &[SupervisionPeriod], scope: &str) -> Vec<crate::spreadsheet::Sheet> {
    use crate::spreadsheet::{Cell, Sheet, day, percent};
    let span = match (periods.first(), periods.last()) {
        (Some(a), Some(b)) => format!("từ {} đến {}", day(a.from), day(b.to)),
        _ => String::new(),
    };
    let subtitle = format!("{scope} — {span}");
    let rows = periods
        .iter()
        .map(|p| {
            vec![
                p.period.clone().into(),
                Cell::Date(p.from),
                Cell::Date(p.to),
                Cell::Count(p.held),
                Cell::Count(p.by_kind_supervision),
                Cell::Count(p.by_kind_social_criticism),
                Cell::Count(p.by_kind_inspection),
                Cell::Count(p.recommendations),
                Cell::Count(p.implemented),
                percent(p.implementation_rate),
                Cell::Count(p.overdue.len() as i64),
            ]
        })
        .collect();
    let overdue = periods
        .iter()
        .flat_map(|p| {
            p.overdue.iter().map(|o| {
                vec![
                    p.period.clone().into(),
                    o.text.clone().into(),
                    o.addressee.clone().into(),
                    Cell::Date(o.due_on),
                ]
            })
        })
        .collect();
    vec![
        Sheet {
            name: "Giám sát".into(),
            title: "Báo cáo kết quả giám sát, phản biện xã hội".into(),
            subtitle: subtitle.clone(),
            headers: vec![
                "Kỳ",
                "Từ ngày",
                "Đến ngày",
                "Số cuộc",
                "Giám sát",
                "Phản biện xã hội",
                "Kiểm tra",
                "Kiến nghị",
                "Đã thực hiện",
                "Tỷ lệ thực hiện",
                "Kiến nghị quá hạn",
            ],
            rows,
        },
        Sheet {
            name: "Kiến nghị quá hạn".into(),
            title: "Kiến nghị chưa thực hiện quá hạn".into(),
            subtitle,
            headers: vec!["Kỳ", "Kiến nghị", "Nơi nhận", "Hạn"],
            rows: overdue,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_are_aligned_and_clipped() {
        let q = periods(d("2016-02-15"), d("2016-08-10"), Period::Quarter);
        let labels: Vec<&str> = q.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(labels, ["2016-Q1", "2016-Q2", "2016-Q3"]);
        assert_eq!((q[0].1, q[0].2), (d("2016-02-15"), d("2016-03-31")));
        assert_eq!((q[2].1, q[2].2), (d("2016-07-01"), d("2016-08-10")));
        let m = periods(d("2016-11-01"), d("2017-01-31"), Period::Month);
        assert_eq!(m.len(), 3);
        assert_eq!(m[2].0, "2017-01");
        let y = periods(d("2016-01-01"), d("2017-12-31"), Period::Year);
        assert_eq!(
            y.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
            ["2016", "2017"]
        );
    }

    #[test]
    fn supervision_status_moves() {
        use SupervisionStatus::*;
        assert_eq!(Planned.allowed_next(), [InProgress]);
        assert!(Concluded.allowed_next().contains(&Closed));
        assert!(Closed.allowed_next().is_empty());
        assert!(RecommendationStatus::Accepted.is_pending());
        assert!(!RecommendationStatus::Rejected.is_pending());
    }
}
