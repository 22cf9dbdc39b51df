//! How unit figures combine into the bloc's figure, how far along a target is, and whether it is
//! on track. Pure functions over figures already read, so the rules are tested without a database.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// How unit figures combine into the bloc's figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Sum of numerators over sum of denominators, as a percent (cultured households over all
    /// households).
    Ratio,
    /// Sum of the units' values (money raised).
    Sum,
    /// How many units meet it (communes recognised as new rural).
    CountTrue,
    /// Mean of the units' values.
    Average,
}

impl Aggregation {
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::Ratio => "ratio",
            Aggregation::Sum => "sum",
            Aggregation::CountTrue => "count_true",
            Aggregation::Average => "average",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ratio" => Aggregation::Ratio,
            "sum" => Aggregation::Sum,
            "count_true" => Aggregation::CountTrue,
            "average" => Aggregation::Average,
            _ => return None,
        })
    }
}

/// One unit's figure on a date: `value`, or `numerator`/`denominator`, or `met`, as the target's
/// aggregation needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub as_of: NaiveDate,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub met: Option<bool>,
}

/// The bloc's figure from each unit's latest figure, with its parts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Combined {
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub units_reporting: i64,
    pub units_met: Option<i64>,
}

pub fn combine<'a>(agg: Aggregation, latest: impl IntoIterator<Item = &'a Figure>) -> Combined {
    let mut n = 0i64;
    let (mut num, mut den, mut sum, mut met) = (0.0, 0.0, 0.0, 0i64);
    for f in latest {
        n += 1;
        num += f.numerator.unwrap_or(0.0);
        den += f.denominator.unwrap_or(0.0);
        sum += f.value.unwrap_or(0.0);
        met += i64::from(f.met == Some(true));
    }
    let mut c = Combined {
        units_reporting: n,
        ..Default::default()
    };
    if n == 0 {
        return c;
    }
    match agg {
        Aggregation::Ratio => {
            c.numerator = Some(num);
            c.denominator = Some(den);
            c.value = (den > 0.0).then(|| round(100.0 * num / den));
        }
        Aggregation::Sum => c.value = Some(round(sum)),
        Aggregation::Average => c.value = Some(round(sum / n as f64)),
        Aggregation::CountTrue => {
            c.value = Some(met as f64);
            c.units_met = Some(met);
        }
    }
    c
}

/// Four decimals: enough for any percent or amount shown, and stable across databases.
pub fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A target's line from baseline to goal.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub baseline_value: f64,
    pub baseline_on: NaiveDate,
    pub target_value: f64,
    pub deadline: NaiveDate,
    pub higher_is_better: bool,
}

impl Line {
    /// Percent of the way from baseline to target (below 0 when worse than the baseline, above
    /// 100 when past the target).
    pub fn percent_of_way(&self, value: f64) -> f64 {
        let span = self.target_value - self.baseline_value;
        if span == 0.0 {
            let reached = if self.higher_is_better {
                value >= self.target_value
            } else {
                value <= self.target_value
            };
            return if reached { 100.0 } else { 0.0 };
        }
        round(100.0 * (value - self.baseline_value) / span)
    }

    /// Where a straight line from the baseline to the target stands on `day`.
    pub fn expected_on(&self, day: NaiveDate) -> f64 {
        let total = (self.deadline - self.baseline_on).num_days();
        let done = (day - self.baseline_on).num_days();
        let share = if total <= 0 {
            if done >= 0 { 1.0 } else { 0.0 }
        } else {
            (done as f64 / total as f64).clamp(0.0, 1.0)
        };
        round(self.baseline_value + share * (self.target_value - self.baseline_value))
    }

    /// At or ahead of the straight line on `day`.
    pub fn on_track(&self, value: f64, day: NaiveDate) -> bool {
        let expected = self.expected_on(day);
        // Rounding noise must not flip a figure that sits exactly on the line.
        if self.higher_is_better {
            value + 1e-9 >= expected
        } else {
            value - 1e-9 <= expected
        }
    }
}

/// Each unit's latest figure on or before `day`, from figures in any order.
pub fn latest_by_unit(figures: &[Figure], day: NaiveDate) -> HashMap<Uuid, &Figure> {
    let mut out: HashMap<Uuid, &Figure> = HashMap::new();
    for f in figures.iter().filter(|f| f.as_of <= day) {
        match out.get(&f.unit_id) {
            Some(cur) if (cur.as_of, cur.id) >= (f.as_of, f.id) => {}
            _ => {
                out.insert(f.unit_id, f);
            }
        }
    }
    out
}

/// One month of a series: the bloc's figure at the month's end (or at `as_of` in its month).
#[derive(Clone, Debug, PartialEq)]
pub struct MonthPoint {
    pub month: String,
    pub combined: Combined,
}

/// Most months a series carries (twenty years): older months are left off.
pub const MAX_MONTHS: usize = 240;

/// The bloc's figure at the end of each month from `from`'s month to `as_of`'s month.
pub fn monthly_series(
    agg: Aggregation,
    figures: &[Figure],
    from: NaiveDate,
    as_of: NaiveDate,
) -> Vec<MonthPoint> {
    if from > as_of {
        return vec![];
    }
    let mut sorted: Vec<&Figure> = figures.iter().filter(|f| f.as_of <= as_of).collect();
    sorted.sort_by_key(|f| (f.as_of, f.id));
    let mut months = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (as_of.year(), as_of.month()) {
        months.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    if months.len() > MAX_MONTHS {
        months.drain(..months.len() - MAX_MONTHS);
    }
    let mut latest: HashMap<Uuid, &Figure> = HashMap::new();
    let mut next = 0;
    let mut out = Vec::with_capacity(months.len());
    for (y, m) in months {
        let end = month_end(y, m).min(as_of);
        while next < sorted.len() && sorted[next].as_of <= end {
            latest.insert(sorted[next].unit_id, sorted[next]);
            next += 1;
        }
        out.push(MonthPoint {
            month: format!("{y:04}-{m:02}"),
            combined: combine(agg, latest.values().copied()),
        });
    }
    out
}

pub fn month_end(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn met(unit: Uuid, as_of: &str, yes: bool) -> Figure {
        Figure {
            met: Some(yes),
            numerator: None,
            denominator: None,
            ..ratio(unit, as_of, 0.0, 0.0)
        }
    }

    #[test]
    fn a_ratio_is_the_sum_of_numerators_over_the_sum_of_denominators() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        // 90% of 100 and 80% of 400 is 82%, not the 85% a mean of the percents would give.
        let figs = [
            ratio(a, "2016-06-30", 90.0, 100.0),
            ratio(b, "2016-06-30", 320.0, 400.0),
        ];
        let c = combine(Aggregation::Ratio, &figs);
        assert_eq!(c.value, Some(82.0));
        assert_eq!((c.numerator, c.denominator), (Some(410.0), Some(500.0)));
        assert_eq!(c.units_reporting, 2);
    }

    fn valued(unit: Uuid, as_of: &str, v: f64) -> Figure {
        Figure {
            value: Some(v),
            numerator: None,
            denominator: None,
            ..ratio(unit, as_of, 0.0, 0.0)
        }
    }

    #[test]
    fn a_sum_adds_the_units_values_and_an_average_divides_by_the_units() {
        let figs = [
            valued(Uuid::now_v7(), "2016-06-30", 12.0),
            valued(Uuid::now_v7(), "2016-06-30", 3.5),
            valued(Uuid::now_v7(), "2016-06-30", 4.5),
        ];
        let sum = combine(Aggregation::Sum, &figs);
        assert_eq!((sum.value, sum.units_reporting), (Some(20.0), 3));
        // 20 / 3, to four decimals.
        assert_eq!(combine(Aggregation::Average, &figs).value, Some(6.6667));
    }

    #[test]
    fn a_ratio_over_a_zero_denominator_has_no_value() {
        let c = combine(
            Aggregation::Ratio,
            &[ratio(Uuid::now_v7(), "2016-06-30", 0.0, 0.0)],
        );
        assert_eq!((c.value, c.units_reporting), (None, 1));
    }

    #[test]
    fn every_aggregation_reads_back_from_its_name() {
        for agg in [
            Aggregation::Ratio,
            Aggregation::Sum,
            Aggregation::Average,
            Aggregation::CountTrue,
        ] {
            assert_eq!(Aggregation::parse(agg.as_str()), Some(agg));
        }
        assert_eq!(Aggregation::parse("median"), None);
    }

    #[test]
    fn count_true_counts_units_that_meet_it() {
        let units: Vec<Uuid> = (0..15).map(|_| Uuid::now_v7()).collect();
        let figs: Vec<Figure> = units
            .iter()
            .enumerate()
            .map(|(i, u)| met(*u, "2016-12-31", i < 4))
            .collect();
        let c = combine(Aggregation::CountTrue, &figs);
        assert_eq!(
            (c.value, c.units_met, c.units_reporting),
            (Some(4.0), Some(4), 15)
        );
    }

    #[test]
    fn no_figures_is_no_value() {
        for agg in [
            Aggregation::Ratio,
            Aggregation::Sum,
            Aggregation::Average,
            Aggregation::CountTrue,
        ] {
            assert_eq!(combine(agg, &[]).value, None);
        }
    }

    #[test]
    fn the_latest_figure_of_each_unit_counts() {
        let a = Uuid::now_v7();
        let figs = [
            ratio(a, "2016-01-31", 10.0, 100.0),
            ratio(a, "2016-03-31", 30.0, 100.0),
            ratio(a, "2016-02-29", 20.0, 100.0),
        ];
        assert_eq!(
            latest_by_unit(&figs, d("2016-03-01"))[&a].numerator,
            Some(20.0)
        );
        assert_eq!(
            latest_by_unit(&figs, d("2016-12-31"))[&a].numerator,
            Some(30.0)
        );
        assert!(latest_by_unit(&figs, d("2016-01-30")).is_empty());
    }

    #[test]
    fn percent_of_way_and_on_track_follow_a_straight_line() {
        let line = Line {
            baseline_value: 4.0,
            baseline_on: d("2016-01-01"),
            target_value: 6.0,
            deadline: d("2017-12-31"),
            higher_is_better: true,
        };
        assert_eq!(line.percent_of_way(4.0), 0.0);
        assert_eq!(line.percent_of_way(5.0), 50.0);
        assert_eq!(line.percent_of_way(6.0), 100.0);
        assert_eq!(line.expected_on(d("2015-06-01")), 4.0);
        assert_eq!(line.expected_on(d("2019-01-01")), 6.0);
        // Half-way through the two years the line stands at 5.
        let mid = d("2016-12-31");
        assert!((line.expected_on(mid) - 5.0).abs() < 0.01);
        assert!(!line.on_track(4.0, mid));
        assert!(line.on_track(5.0, d("2016-12-30")));
        assert!(line.on_track(6.0, d("2017-12-31")));
        assert!(!line.on_track(5.0, d("2017-12-31")));
    }

    #[test]
    fn a_line_without_length_is_reached_or_not() {
        // Target equal to the baseline: the way is done once the value is at the target.
        let flat = Line {
            baseline_value: 5.0,
            baseline_on: d("2016-01-01"),
            target_value: 5.0,
            deadline: d("2016-12-31"),
            higher_is_better: true,
        };
        assert_eq!(flat.percent_of_way(5.0), 100.0);
        assert_eq!(flat.percent_of_way(6.0), 100.0);
        assert_eq!(flat.percent_of_way(4.0), 0.0);
        let lower = Line {
            higher_is_better: false,
            ..flat
        };
        assert_eq!(lower.percent_of_way(5.0), 100.0);
        assert_eq!(lower.percent_of_way(4.0), 100.0);
        assert_eq!(lower.percent_of_way(6.0), 0.0);
        // Deadline on the baseline day: the target is expected from that day on, not before.
        let at_once = Line {
            baseline_value: 0.0,
            target_value: 10.0,
            deadline: d("2016-01-01"),
            ..flat
        };
        assert_eq!(at_once.expected_on(d("2016-01-01")), 10.0);
        assert_eq!(at_once.expected_on(d("2016-03-01")), 10.0);
        assert_eq!(at_once.expected_on(d("2015-12-31")), 0.0);
    }

    #[test]
    fn lower_is_better_runs_the_other_way() {
        let line = Line {
            baseline_value: 10.0,
            baseline_on: d("2016-01-01"),
            target_value: 5.0,
            deadline: d("2016-12-31"),
            higher_is_better: false,
        };
        assert_eq!(line.percent_of_way(7.5), 50.0);
        assert!(line.on_track(5.0, d("2016-12-31")));
        assert!(!line.on_track(9.0, d("2016-12-31")));
    }

    #[test]
    fn a_series_has_one_point_per_month_with_figures_carried_forward() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let figs = [
            ratio(a, "2016-01-15", 50.0, 100.0),
            ratio(b, "2016-03-10", 100.0, 100.0),
            ratio(a, "2016-03-31", 60.0, 100.0),
        ];
        let s = monthly_series(Aggregation::Ratio, &figs, d("2016-01-01"), d("2016-03-20"));
        let got: Vec<(&str, Option<f64>)> = s
            .iter()
            .map(|p| (p.month.as_str(), p.combined.value))
            .collect();
        // March stops at as_of (the 20th): a's figure of the 31st is not yet known.
        assert_eq!(
            got,
            [
                ("2016-01", Some(50.0)),
                ("2016-02", Some(50.0)),
                ("2016-03", Some(75.0))
            ]
        );
    }

    #[test]
    fn a_series_of_one_day_has_one_point_and_a_reversed_one_none() {
        let a = Uuid::now_v7();
        let figs = [ratio(a, "2016-03-20", 50.0, 100.0)];
        let day = d("2016-03-20");
        let one = monthly_series(Aggregation::Ratio, &figs, day, day);
        assert_eq!(one.len(), 1);
        assert_eq!(
            (one[0].month.as_str(), one[0].combined.value),
            ("2016-03", Some(50.0))
        );
        assert!(monthly_series(Aggregation::Ratio, &figs, d("2016-03-21"), day).is_empty());
    }

    #[test]
    fn a_series_keeps_the_latest_twenty_years() {
        let a = Uuid::now_v7();
        let figs = [ratio(a, "1990-01-15", 10.0, 100.0)];
        // 1990-01 to 2016-12 is 324 months; the last 240 start at 1997-01.
        let s = monthly_series(Aggregation::Ratio, &figs, d("1990-01-01"), d("2016-12-31"));
        assert_eq!(s.len(), MAX_MONTHS);
        assert_eq!(s[0].month, "1997-01");
        assert_eq!(s[MAX_MONTHS - 1].month, "2016-12");
        // The figure of 1990 still counts in the first month kept.
        assert_eq!(s[0].combined.value, Some(10.0));
    }

    #[test]
    fn month_ends() {
        assert_eq!(month_end(2016, 2), d("2016-02-29"));
        assert_eq!(month_end(2016, 12), d("2016-12-31"));
    }
}
