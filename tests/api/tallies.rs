//! The summary's kept task counts (issue 19, item 5) against counting the tasks themselves:
//! random tasks, moves, re-parentings and deletions written straight to the table (so every
//! write path the triggers must follow is covered, not only the API's), then every period
//! compared, on both databases.
use crate::helpers::spawn_app;
use chrono::{Duration, NaiveDate};
use khoi::{
    entities::{bloc, organisation, sub_committee, task},
    reports::tallies,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set,
};
use uuid::Uuid;

/// A small deterministic generator: the same cases on every run and both databases.
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.next(xs.len() as u64) as usize]
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const OPEN: [&str; 6] = [
    "received",
    "draft",
    "assigned",
    "in_progress",
    "submitted",
    "returned",
];

/// The days where a count changes side: today and its neighbours, the periods' first days and
/// the days before them, month and year starts.
fn edges(today: NaiveDate) -> Vec<NaiveDate> {
    let jan1 = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap();
    let month1 = chrono::Datelike::with_day(&today, 1).unwrap();
    let mut out = vec![today, today - Duration::days(1), today + Duration::days(1)];
    for first in [
        jan1,
        month1,
        today - Duration::days(31),
        today - Duration::days(365),
        today - Duration::days(800),
    ] {
        out.push(first);
        out.push(first - Duration::days(1));
    }
    out
}

/// A day of the span before today, a third of the time on an edge (never after `at_most`).
fn day(dice: &mut Dice, today: NaiveDate, at_least: NaiveDate, at_most: NaiveDate) -> NaiveDate {
    if dice.next(3) == 0 {
        let e = dice.pick(&edges(today));
        if e >= at_least && e <= at_most {
            return e;
        }
    }
    let span = (at_most - at_least).num_days().max(0) as u64;
    at_least + Duration::days(dice.next(span + 1) as i64)
}

/// Dates, status and grouping for a task as the workflow leaves them, all by `today`.
fn shape(dice: &mut Dice, m: &mut task::Model, today: NaiveDate, groups: &Groups) {
    let opened = day(dice, today, today - Duration::days(800), today);
    m.opened_on = opened;
    m.due_date = match dice.next(5) {
        0 => None,
        // Due before it opened happens (a late entry of old work).
        1 => Some(opened - Duration::days(dice.next(20) as i64)),
        _ => Some(day(dice, today, opened, opened + Duration::days(120))),
    };
    let closed = day(dice, today, opened, today);
    match dice.next(10) {
        0..=4 => {
            m.status = dice.pick(&OPEN).into();
            m.closed_on = None;
            m.completed_on = None;
        }
        5..=7 => {
            m.status = "completed".into();
            m.closed_on = Some(closed);
            m.completed_on = Some(closed);
        }
        8 => {
            m.status = "cancelled".into();
            m.closed_on = Some(closed);
            m.completed_on = None;
        }
        _ => {
            m.status = "declined".into();
            m.closed_on = Some(closed);
            m.completed_on = None;
        }
    }
    let (bloc, orgs, scs) = &groups[dice.next(groups.len() as u64) as usize];
    m.bloc_id = *bloc;
    m.lead_organisation_id = if orgs.is_empty() || dice.next(4) == 0 {
        None
    } else {
        Some(dice.pick(orgs))
    };
    m.sub_committee_id = if scs.is_empty() || dice.next(3) == 0 {
        None
    } else {
        Some(dice.pick(scs))
    };
}

type Groups = Vec<(Uuid, Vec<Uuid>, Vec<Uuid>)>;

async fn groups(db: &DatabaseConnection) -> Groups {
    let orgs = organisation::Entity::find().all(db).await.unwrap();
    let scs = sub_committee::Entity::find().all(db).await.unwrap();
    bloc::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|b| {
            let of = |pairs: Vec<(Uuid, Uuid)>| {
                pairs
                    .into_iter()
                    .filter(|(bloc, _)| *bloc == b.id)
                    .map(|(_, id)| id)
                    .collect()
            };
            (
                b.id,
                of(orgs.iter().map(|o| (o.bloc_id, o.id)).collect()),
                of(scs.iter().map(|s| (s.bloc_id, s.id)).collect()),
            )
        })
        .collect()
}

/// Both ways over every bloc and a spread of periods ending today or later: equal, and the
/// tallies answer (`Some`) when `answers`.
async fn agree(db: &DatabaseConnection, blocs: &[Uuid], today: NaiveDate, answers: bool) {
    let mut froms = vec![
        d("2016-01-01"),
        today - Duration::days(800),
        today - Duration::days(365),
        today - Duration::days(31),
        today,
        today + Duration::days(3),
    ];
    froms.push(NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap());
    for from in froms {
        for to in [
            today,
            today + Duration::days(45),
            today + Duration::days(400),
        ] {
            if from > to {
                continue;
            }
            let mut want = tallies::scanned(db, blocs, from, to, today).await.unwrap();
            let got = tallies::tallied(db, blocs, from, to, today).await.unwrap();
            assert_eq!(got.is_some(), answers, "{from}..{to} as of {today}");
            let mut got = tallies::counts(db, blocs, from, to, today).await.unwrap();
            want.sort_by_key(|(k, s, _)| (*k, s.as_str()));
            got.sort_by_key(|(k, s, _)| (*k, s.as_str()));
            assert_eq!(got, want, "{from}..{to} as of {today}");
        }
    }
    // A period that ended before today is always counted from the tasks.
    let past = today - Duration::days(10);
    assert!(
        tallies::tallied(db, blocs, past - Duration::days(90), past, today)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn kept_task_counts_equal_counting_the_tasks_through_every_kind_of_write() {
    let app = spawn_app().await;
    app.seed_full_demo().await;
    let db = &app.state.db;
    let groups = groups(db).await;
    let blocs: Vec<Uuid> = groups.iter().map(|g| g.0).collect();
    assert!(blocs.len() >= 2, "the demo has several blocs");
    let template = task::Entity::find().one(db).await.unwrap().unwrap();
    let today = khoi::clock::today();
    let mut dice = Dice(19);

    // The demo's own tasks (written by the service) already agree.
    agree(db, &blocs, today, true).await;

    // Inserts.
    let mut ids = Vec::new();
    for _ in 0..240 {
        let mut m = template.clone();
        m.id = Uuid::now_v7();
        m.parent_task_id = None;
        m.duplicate_of = None;
        shape(&mut dice, &mut m, today, &groups);
        ids.push(m.id);
        task::ActiveModel::from(m).insert(db).await.unwrap();
    }
    // And on every edge, each way a count can fall.
    for e in edges(today) {
        let before = e - Duration::days(10);
        for (status, due, closed) in [
            ("assigned", Some(e), None),
            ("in_progress", Some(e - Duration::days(1)), None),
            ("completed", Some(e), Some(e)),
            ("completed", Some(e - Duration::days(1)), Some(e)),
            ("cancelled", Some(e), Some(e)),
            ("draft", None, None),
            // Entered late: closed before the day it was opened, which only SQL writes.
            ("completed", Some(e), Some(before - Duration::days(3))),
            ("declined", None, Some(before - Duration::days(3))),
        ] {
            if closed.is_some_and(|c| c > today) {
                continue;
            }
            let mut m = template.clone();
            m.id = Uuid::now_v7();
            m.parent_task_id = None;
            m.duplicate_of = None;
            shape(&mut dice, &mut m, today, &groups);
            m.status = status.into();
            m.opened_on = if status == "draft" {
                e.min(today)
            } else {
                before
            };
            m.due_date = due;
            m.closed_on = closed;
            m.completed_on = closed.filter(|_| status == "completed");
            ids.push(m.id);
            task::ActiveModel::from(m).insert(db).await.unwrap();
        }
    }
    agree(db, &blocs, today, true).await;

    // Moves of every tracked column, one at a time and all at once, and deletions.
    for round in 0..3 {
        for (i, id) in ids.iter().enumerate() {
            if dice.next(3) != 0 {
                continue;
            }
            let Some(m) = task::Entity::find_by_id(*id).one(db).await.unwrap() else {
                continue; // deleted in an earlier round
            };
            let mut next = m.clone();
            shape(&mut dice, &mut next, today, &groups);
            let mut am = m.clone().into_active_model();
            match (i + round) % 5 {
                0 => {
                    am.opened_on = Set(next.opened_on);
                    am.status = Set(next.status);
                    am.closed_on = Set(next.closed_on);
                    am.completed_on = Set(next.completed_on);
                }
                1 => am.due_date = Set(next.due_date),
                2 => {
                    // Re-parenting keeps the groups valid: the new bloc's own.
                    am.bloc_id = Set(next.bloc_id);
                    am.lead_organisation_id = Set(next.lead_organisation_id);
                    am.sub_committee_id = Set(next.sub_committee_id);
                }
                3 => am.title = Set(format!("{} (sửa)", m.title)),
                _ => am = next.into_active_model().reset_all(),
            }
            am.update(db).await.unwrap();
        }
        for id in ids.iter().skip(round).step_by(17) {
            task::Entity::delete_by_id(*id).exec(db).await.unwrap();
        }
        agree(db, &blocs, today, true).await;
    }

    // Days ahead of today: a period as of an earlier day is counted from the tasks, and equal.
    agree(db, &blocs, today - Duration::days(40), false).await;

    // Taking the tallies away and back rebuilds them from the table: down to and including the
    // tallies' migration, however many came after it.
    use migration::MigratorTrait;
    let all = migration::Migrator::migrations();
    let tallies = all
        .iter()
        .position(|m| m.name() == "m20261130_000032_task_tallies")
        .expect("the tallies' migration");
    let migrator = khoi::db::migrator(db);
    migration::Migrator::down(&migrator, Some((all.len() - tallies) as u32))
        .await
        .unwrap();
    assert!(
        db.execute_unprepared("SELECT 1 FROM task_tallies")
            .await
            .is_err(),
        "the tallies are gone"
    );
    migration::Migrator::up(&migrator, None).await.unwrap();
    agree(db, &blocs, today, true).await;

    // A completion day that is not the closing day is not the workflow's: the scan answers.
    let mut odd = template.clone();
    odd.id = Uuid::now_v7();
    odd.status = "completed".into();
    odd.opened_on = today - Duration::days(30);
    odd.closed_on = Some(today - Duration::days(2));
    odd.completed_on = Some(today - Duration::days(3));
    let odd_bloc = odd.bloc_id;
    task::ActiveModel::from(odd).insert(db).await.unwrap();
    agree(db, &[odd_bloc], today, false).await;
    let others: Vec<Uuid> = blocs.iter().copied().filter(|b| *b != odd_bloc).collect();
    agree(db, &others, today, true).await;
}

/// Each target's headline read together with the others and read alone, on each day: equal.
async fn same(
    db: &DatabaseConnection,
    targets: &[khoi::entities::campaign_target::Model],
    days: &[NaiveDate],
) {
    use khoi::campaigns::standing;
    for day in days {
        let batch = standing::headlines(db, targets, *day).await.unwrap();
        let mut one = Vec::new();
        for t in targets {
            one.push(standing::headline(db, t, *day).await.unwrap());
        }
        assert_eq!(
            serde_json::to_value(batch).unwrap(),
            serde_json::to_value(one).unwrap(),
            "as of {day}"
        );
    }
}

/// The summary reads every campaign's headlines together: for every target of the demo (its
/// own campaigns and the province's, cascaded to three communes), on days before, during and
/// after their figures, and after a unit with figures is merged into another, each headline is
/// what reading its target alone gives.
#[tokio::test]
async fn headlines_read_together_are_each_targets_own() {
    use khoi::entities::{campaign_measurement, campaign_target, unit};
    let app = spawn_app().await;
    app.seed_full_demo().await;
    let db = &app.state.db;
    let targets = campaign_target::Entity::find().all(db).await.unwrap();
    assert!(targets.len() >= 4, "the demo's targets: {}", targets.len());
    assert!(
        targets.iter().any(|t| t.parent_target_id.is_some()),
        "a cascaded target"
    );
    // Later figures of some units, some on the same day as each other: the latest must win,
    // by day and then by id.
    let figures = campaign_measurement::Entity::find().all(db).await.unwrap();
    for (i, f) in figures
        .iter()
        .filter(|f| f.superseded_by.is_none())
        .take(40)
        .enumerate()
    {
        for k in 0..(1 + i % 2) {
            let mut later = f.clone();
            later.id = Uuid::now_v7();
            later.as_of = f.as_of + Duration::days(3);
            later.value = f.value.map(|v| v * 2.0 + k as f64);
            later.numerator = f.numerator.map(|v| v + 1.0 + k as f64);
            later.met = f.met.map(|m| !m);
            later.supersedes_id = None;
            campaign_measurement::ActiveModel::from(later)
                .insert(db)
                .await
                .unwrap();
        }
    }
    let days = [
        d("2015-12-31"),
        d("2016-03-15"),
        d("2016-06-30"),
        d("2016-12-31"),
        d("2026-03-31"),
        khoi::clock::today(),
    ];
    same(db, &targets, &days).await;
    // A unit with figures merged into another of its bloc the day after its last figure.
    let units = unit::Entity::find().all(db).await.unwrap();
    let figures = campaign_measurement::Entity::find().all(db).await.unwrap();
    let gone = units
        .iter()
        .find(|u| figures.iter().any(|f| f.unit_id == u.id))
        .cloned()
        .expect("a unit with figures");
    // Into a new unit without figures, so what the heir shows is what it carries.
    let mut heir = gone.clone();
    heir.id = Uuid::now_v7();
    heir.name = format!("{} (sáp nhập)", gone.name);
    heir.name_folded = format!("{} (sap nhap)", gone.name_folded);
    heir.valid_from = Some(d("2016-02-01"));
    let heir = sea_orm::ActiveModelTrait::insert(unit::ActiveModel::from(heir), db)
        .await
        .unwrap();
    let mut am: unit::ActiveModel = gone.into();
    am.successor_id = sea_orm::Set(Some(heir.id));
    am.valid_to = sea_orm::Set(Some(d("2016-01-31")));
    sea_orm::ActiveModelTrait::update(am, db).await.unwrap();
    same(db, &targets, &days).await;
}
