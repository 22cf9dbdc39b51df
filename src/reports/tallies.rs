//! The summary's task counts (issue 19, item 5): per bloc, organisation, sub-committee and
//! standing, for the tasks alive in a period, as they stood at its end or today.
//!
//! Two ways to the same numbers. [`scanned`] reads every task of the blocs. [`tallied`] reads
//! the tallies the triggers of migration 32 keep by year, month and day, and answers a period
//! that ends today or later (the live view, and the default) from a few index ranges: open tasks
//! by their due day, completed ones by their closing day. It declines, and the scan answers,
//! for a period that ended before today, when some task of the blocs has a day after today, or
//! when one was completed on a day other than its closing day (which the workflow never writes).
use crate::{
    entities::{task, task_tally},
    tasks::{dates::standing_on, workflow::Standing, workflow::Status},
};
use chrono::{Datelike, NaiveDate};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Alias, CaseStatement, Expr, ExprTrait, Func, SimpleExpr},
};
use uuid::Uuid;

/// A bloc, its lead organisation and sub-committee.
pub type Key = (Uuid, Option<Uuid>, Option<Uuid>);
pub type Counts = Vec<(Key, Standing, i64)>;

pub const STANDINGS: [Standing; 4] = [
    Standing::OpenWithinDeadline,
    Standing::Overdue,
    Standing::CompletedOnTime,
    Standing::CompletedLate,
];

/// The counts, from the tallies when they can answer, else from the tasks.
pub async fn counts(
    db: &impl ConnectionTrait,
    blocs: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Counts, DbErr> {
    match tallied(db, blocs, from, to, today).await? {
        Some(c) => Ok(c),
        None => scanned(db, blocs, from, to, std::cmp::min(to, today)).await,
    }
}

/// Tasks alive in the period, by the days things happened: opened by its end, not closed
/// before it began, and not cancelled or declined by its end, each at its standing at `as_of`,
/// as the task list shows them with `as_of`. One pass over the blocs' tasks.
pub async fn scanned(
    db: &impl ConnectionTrait,
    blocs: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> Result<Counts, DbErr> {
    if blocs.is_empty() {
        return Ok(Vec::new());
    }
    let alive = Condition::all()
        .add(task::Column::OpenedOn.lte(to))
        .add(
            Condition::any()
                .add(task::Column::ClosedOn.is_null())
                .add(task::Column::ClosedOn.gte(from)),
        )
        .add(
            Condition::any()
                .add(
                    task::Column::Status
                        .is_not_in([Status::Cancelled.as_str(), Status::Declined.as_str()]),
                )
                .add(task::Column::ClosedOn.gt(to)),
        );
    let mut standing = CaseStatement::new();
    for s in STANDINGS {
        standing = standing.case(standing_on(s, as_of), Expr::val(s.as_str()));
    }
    type Row = (Uuid, Option<Uuid>, Option<Uuid>, Option<String>, i64);
    let rows: Vec<Row> = task::Entity::find()
        .select_only()
        .column(task::Column::BlocId)
        .column(task::Column::LeadOrganisationId)
        .column(task::Column::SubCommitteeId)
        .column_as(Into::<SimpleExpr>::into(standing), "standing")
        .column_as(
            SimpleExpr::from(Func::count(Expr::col(task::Column::Id))),
            "n",
        )
        .filter(task::Column::BlocId.is_in(blocs.to_vec()))
        .filter(alive)
        .group_by(task::Column::BlocId)
        .group_by(task::Column::LeadOrganisationId)
        .group_by(task::Column::SubCommitteeId)
        .group_by(Expr::col(Alias::new("standing")))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(b, o, sc, s, n)| {
            let s = STANDINGS
                .into_iter()
                .find(|x| Some(x.as_str()) == s.as_deref())?;
            Some(((b, o, sc), s, n))
        })
        .collect())
}

/// The ends of "any day": the edge holds every date a client sends to 1945–2100.
const FIRST: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
const LAST: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

fn jan1(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 1, 1)
}

/// `[lo, hi]` as the fewest tally rows: days to a month's end, months to a year's end, whole
/// years, then months and days again, each grain as one range of its rows' days (the first day
/// of each year or month). At most five ranges.
pub fn spans(lo: NaiveDate, hi: NaiveDate) -> Vec<(&'static str, NaiveDate, NaiveDate)> {
    let mut out: Vec<(&'static str, NaiveDate, NaiveDate)> = Vec::new();
    let mut push = |grain: &'static str, a: NaiveDate, b: NaiveDate| match out.last_mut() {
        Some(last) if last.0 == grain => last.2 = b,
        _ => out.push((grain, a, b)),
    };
    let mut d = lo;
    while d <= hi {
        let month_after = d
            .with_day(1)
            .and_then(|m| m.checked_add_months(chrono::Months::new(1)));
        // The last year, and the last month of d's year, that end by hi.
        let full_years_to = if hi.month() == 12 && hi.day() == 31 {
            hi.year()
        } else {
            hi.year() - 1
        };
        let next = if d.ordinal() == 1 && full_years_to >= d.year() {
            push("y", d, jan1(full_years_to).unwrap_or(d));
            jan1(full_years_to + 1)
        } else if d.day() == 1
            && month_after
                .and_then(|m| m.pred_opt())
                .is_some_and(|e| e <= hi)
        {
            let last = if hi.year() > d.year() {
                NaiveDate::from_ymd_opt(d.year(), 12, 1)
            } else if hi.succ_opt().is_none_or(|n| n.day() == 1) {
                hi.with_day(1)
            } else {
                hi.with_day(1)
                    .and_then(|m| m.checked_sub_months(chrono::Months::new(1)))
            }
            .unwrap_or(d);
            push("m", d, last);
            last.checked_add_months(chrono::Months::new(1))
        } else {
            let end = month_after
                .and_then(|m| m.pred_opt())
                .map_or(hi, |e| std::cmp::Ord::min(e, hi));
            push("d", d, end);
            end.succ_opt()
        };
        match next {
            Some(n) if n > d => d = n,
            _ => break,
        }
    }
    out
}

fn within(kinds: &[&str], lo: NaiveDate, hi: NaiveDate) -> Condition {
    let mut c = Condition::any();
    if lo > hi {
        return c;
    }
    for (grain, a, b) in spans(lo, hi) {
        c = c.add(
            Condition::all()
                .add(task_tally::Column::Kind.is_in(kinds.iter().copied()))
                .add(task_tally::Column::Grain.eq(grain))
                .add(task_tally::Column::Day.between(a, b)),
        );
    }
    c
}

fn sum_if(c: Condition) -> SimpleExpr {
    let case: SimpleExpr = CaseStatement::new()
        .case(c, Expr::col(task_tally::Column::N))
        .finally(Expr::val(0i64))
        .into();
    SimpleExpr::from(Func::sum(case)).cast_as(Alias::new("bigint"))
}

/// The counts from the tallies, or `None` when they cannot say (see the module's note).
pub async fn tallied(
    db: &impl ConnectionTrait,
    blocs: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Option<Counts>, DbErr> {
    if to < today {
        return Ok(None);
    }
    if blocs.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let (Some(yesterday), Some(tomorrow)) = (today.pred_opt(), today.succ_opt()) else {
        return Ok(None);
    };
    // Every task not closed counts once at grain y, or at n when it has no due day.
    let open = Condition::all()
        .add(task_tally::Column::Kind.eq("due"))
        .add(task_tally::Column::Grain.is_in(["y", "n"]));
    let overdue = within(&["due"], FIRST, yesterday);
    let on_time = within(&["ontime"], from, today);
    let late = within(&["late"], from, today);
    let ahead = within(&["opened", "ontime", "late", "closed"], tomorrow, LAST)
        .add(task_tally::Column::Kind.eq("odd"));
    type Row = (Uuid, Uuid, Uuid, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = task_tally::Entity::find()
        .select_only()
        .column(task_tally::Column::BlocId)
        .column(task_tally::Column::OrganisationId)
        .column(task_tally::Column::SubCommitteeId)
        .column_as(sum_if(open.clone()), "open")
        .column_as(sum_if(overdue.clone()), "overdue")
        .column_as(sum_if(on_time.clone()), "on_time")
        .column_as(sum_if(late.clone()), "late")
        .column_as(sum_if(ahead.clone()), "ahead")
        .filter(task_tally::Column::BlocId.is_in(blocs.to_vec()))
        .filter(
            Condition::any()
                .add(open)
                .add(overdue)
                .add(on_time)
                .add(late)
                .add(ahead),
        )
        .group_by(task_tally::Column::BlocId)
        .group_by(task_tally::Column::OrganisationId)
        .group_by(task_tally::Column::SubCommitteeId)
        .into_tuple()
        .all(db)
        .await?;
    let some = |id: Uuid| (!id.is_nil()).then_some(id);
    let mut out = Vec::with_capacity(rows.len() * 4);
    for (b, o, s, open, overdue, on_time, late, ahead) in rows {
        if ahead != 0 {
            return Ok(None);
        }
        let key = (b, some(o), some(s));
        for (standing, n) in [
            (Standing::OpenWithinDeadline, open - overdue),
            (Standing::Overdue, overdue),
            (Standing::CompletedOnTime, on_time),
            (Standing::CompletedLate, late),
        ] {
            if n != 0 {
                out.push((key, standing, n));
            }
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Every day of [lo, hi] is covered once by the spans, and nothing outside it.
    fn covered(lo: NaiveDate, hi: NaiveDate) {
        let spans = spans(lo, hi);
        assert!(spans.len() <= 5, "{lo}..{hi}: {spans:?}");
        let mut days = Vec::new();
        for (grain, a, b) in &spans {
            let mut k = *a;
            while k <= *b {
                let (first, next) = match *grain {
                    "y" => (k, NaiveDate::from_ymd_opt(k.year() + 1, 1, 1).unwrap()),
                    "m" => (k, k.checked_add_months(chrono::Months::new(1)).unwrap()),
                    _ => (k, k.succ_opt().unwrap()),
                };
                let mut x = first;
                while x < next {
                    days.push(x);
                    x = x.succ_opt().unwrap();
                }
                k = next;
            }
        }
        let want: Vec<NaiveDate> = lo.iter_days().take_while(|x| *x <= hi).collect();
        assert_eq!(days, want, "{lo}..{hi}: {spans:?}");
    }

    #[test]
    fn spans_cover_a_period_with_the_fewest_rows() {
        assert_eq!(
            spans(d("2016-01-01"), d("2026-11-29")),
            vec![
                ("y", d("2016-01-01"), d("2025-01-01")),
                ("m", d("2026-01-01"), d("2026-10-01")),
                ("d", d("2026-11-01"), d("2026-11-29")),
            ]
        );
        // November ends on the 30th: a whole month.
        assert_eq!(
            spans(d("2016-01-01"), d("2026-11-30")),
            vec![
                ("y", d("2016-01-01"), d("2025-01-01")),
                ("m", d("2026-01-01"), d("2026-11-01")),
            ]
        );
        assert_eq!(
            spans(d("2026-02-27"), d("2026-03-02")),
            vec![("d", d("2026-02-27"), d("2026-03-02"))]
        );
        assert_eq!(
            spans(d("2026-01-01"), d("2026-12-31")),
            vec![("y", d("2026-01-01"), d("2026-01-01"))]
        );
        assert!(spans(d("2026-01-02"), d("2026-01-01")).is_empty());
        for (lo, hi) in [
            ("2016-01-01", "2026-11-30"),
            ("2015-12-30", "2018-02-03"),
            ("2024-02-29", "2024-03-01"),
            ("2024-01-31", "2025-12-31"),
            ("2024-03-01", "2024-03-31"),
            ("2023-12-31", "2023-12-31"),
        ] {
            covered(d(lo), d(hi));
        }
        // The open ends the summary asks for stay a handful of ranges.
        assert!(spans(FIRST, d("2026-11-29")).len() <= 3);
        assert_eq!(spans(d("2026-12-01"), LAST).len(), 2);
    }
}
