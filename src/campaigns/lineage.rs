//! A campaign's series across unit mergers (issue 15): once a merger has happened by the day
//! asked about, the merged units' figures are carried by the unit they became. Before the
//! merger date its figure is the aggregate of its predecessors' (by the target's own
//! aggregation); after it, its own. Asked about a day before the merger, the units are read as
//! they were.
use super::progress::{Aggregation, Figure, combine, latest_by_unit};
use crate::entities::unit;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// The figures as they count on `as_of`, merged units' carried by their successors.
pub async fn carried(
    conn: &impl ConnectionTrait,
    mut figs: Vec<Figure>,
    agg: Aggregation,
    as_of: NaiveDate,
) -> Result<Vec<Figure>, DbErr> {
    // A merged unit may itself be merged later: follow the chain, a bounded number of times.
    for _ in 0..8 {
        let ids: BTreeSet<Uuid> = figs.iter().map(|f| f.unit_id).collect();
        if ids.is_empty() {
            break;
        }
        let merged: HashMap<Uuid, Uuid> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(ids))
            .filter(unit::Column::SuccessorId.is_not_null())
            .filter(unit::Column::ValidTo.lt(as_of))
            .all(conn)
            .await?
            .into_iter()
            .filter_map(|u| u.successor_id.map(|s| (u.id, s)))
            .collect();
        if merged.is_empty() {
            break;
        }
        let (gone, kept): (Vec<Figure>, Vec<Figure>) = figs
            .into_iter()
            .partition(|f| merged.contains_key(&f.unit_id));
        figs = kept;
        let mut by_successor: HashMap<Uuid, Vec<Figure>> = HashMap::new();
        for f in gone {
            by_successor.entry(merged[&f.unit_id]).or_default().push(f);
        }
        for (successor, parts) in by_successor {
            figs.extend(rehome(agg, successor, &parts));
        }
    }
    Ok(figs)
}

/// The successor's figure on each day one of its predecessors reported: their latest figures
/// combined by the target's aggregation. `count_true` counts it met when every part reporting
/// met it.
pub fn rehome(agg: Aggregation, successor: Uuid, parts: &[Figure]) -> Vec<Figure> {
    let days: BTreeSet<NaiveDate> = parts.iter().map(|f| f.as_of).collect();
    days.into_iter()
        .map(|day| {
            let latest = latest_by_unit(parts, day);
            let id = latest.values().map(|f| f.id).max().unwrap_or_default();
            let n = latest.len();
            let c = combine(agg, latest.values().copied());
            Figure {
                id,
                unit_id: successor,
                as_of: day,
                value: match agg {
                    Aggregation::CountTrue => None,
                    _ => c.value,
                },
                numerator: c.numerator,
                denominator: c.denominator,
                met: match agg {
                    Aggregation::CountTrue => Some(c.units_met == Some(n as i64)),
                    _ => None,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::progress::monthly_series;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ratio(unit: Uuid, as_of: &str, num: f64, den: f64) -> Figure {
        Figure {
            id: Uuid::now_v7(),
            unit_id: unit,
            as_of: d(as_of),
            value: None,
            numerator: Some(num),
            denominator: Some(den),
            met: None,
        }
    }

    #[test]
    fn a_merged_units_ratio_is_its_parts_sums_and_the_blocs_series_does_not_move() {
        let (a, b, c, s) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let before = [
            ratio(a, "2025-01-31", 50.0, 100.0),
            ratio(b, "2025-02-28", 30.0, 200.0),
            ratio(c, "2025-02-28", 90.0, 100.0),
            ratio(a, "2025-03-31", 60.0, 100.0),
        ];
        let mut after: Vec<Figure> = before.iter().filter(|f| f.unit_id == c).cloned().collect();
        let parts: Vec<Figure> = before.iter().filter(|f| f.unit_id != c).cloned().collect();
        let carried = rehome(Aggregation::Ratio, s, &parts);
        // One figure per day a part reported: 50/100, then 80/300, then 90/300.
        let got: Vec<(NaiveDate, Option<f64>, Option<f64>)> = carried
            .iter()
            .map(|f| (f.as_of, f.numerator, f.denominator))
            .collect();
        assert_eq!(
            got,
            [
                (d("2025-01-31"), Some(50.0), Some(100.0)),
                (d("2025-02-28"), Some(80.0), Some(300.0)),
                (d("2025-03-31"), Some(90.0), Some(300.0)),
            ]
        );
        after.extend(carried);
        let from = d("2025-01-01");
        let to = d("2025-03-31");
        // The same figures month by month; two units now report as one.
        let figures = |s: Vec<crate::campaigns::progress::MonthPoint>| -> Vec<_> {
            s.into_iter()
                .map(|p| {
                    (
                        p.month,
                        p.combined.value,
                        p.combined.numerator,
                        p.combined.denominator,
                    )
                })
                .collect()
        };
        let old = monthly_series(Aggregation::Ratio, &before, from, to);
        let new = monthly_series(Aggregation::Ratio, &after, from, to);
        assert_eq!(
            (
                old[2].combined.units_reporting,
                new[2].combined.units_reporting
            ),
            (3, 2)
        );
        assert_eq!(
            figures(old),
            figures(new),
            "the bloc's series is the same before and after"
        );
    }

    #[test]
    fn a_merged_unit_meets_a_count_only_when_every_part_did() {
        let (a, b, s) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let met = |u, day: &str, yes| Figure {
            met: Some(yes),
            numerator: None,
            denominator: None,
            ..ratio(u, day, 0.0, 0.0)
        };
        let parts = [met(a, "2025-03-31", true), met(b, "2025-03-31", false)];
        assert_eq!(
            rehome(Aggregation::CountTrue, s, &parts)[0].met,
            Some(false)
        );
        let parts = [met(a, "2025-03-31", true), met(b, "2025-04-30", true)];
        let r = rehome(Aggregation::CountTrue, s, &parts);
        assert_eq!((r[0].met, r[1].met), (Some(true), Some(true)));
    }
}
