//! Recurring work: a series is a task template with a recurrence (a subset of RFC 5545
//! RRULE), whose instances the scheduler creates ahead of time as ordinary tasks, assigned
//! with the five clears filled in. Editing a series changes the instances not yet created.
use super::{
    drafting,
    dto::{CreateTask, Priority, Transition},
    moves,
    workflow::Move,
};
use crate::{
    audit,
    auth::{Caller, Role},
    concurrency::IfMatch,
    db::begin_write,
    entities::{account, series_instance, task_series},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs,
    tenancy::Scope,
    validate::Checks,
};
use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub const RESOURCE: &str = "task_series";
/// The most instances a series may make in a year.
pub const MAX_PER_YEAR: usize = 400;

/// A parsed recurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub by_day: Vec<Weekday>,
    /// 1–31, or −1 for the month's last day.
    pub by_month_day: Vec<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// Parses `FREQ=WEEKLY;BYDAY=MO`, `FREQ=MONTHLY;BYMONTHDAY=25`, `FREQ=MONTHLY;INTERVAL=3`
/// (quarterly), `FREQ=DAILY;INTERVAL=2`.
pub fn parse(raw: &str) -> Result<Rule, String> {
    let raw = raw.trim().strip_prefix("RRULE:").unwrap_or(raw.trim());
    let mut rule = Rule {
        freq: Freq::Weekly,
        interval: 1,
        by_day: vec![],
        by_month_day: vec![],
    };
    let mut freq = None;
    for part in raw.split(';').filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}` is not NAME=VALUE"))?;
        match k.to_ascii_uppercase().as_str() {
            "FREQ" => {
                freq = Some(match v.to_ascii_uppercase().as_str() {
                    "DAILY" => Freq::Daily,
                    "WEEKLY" => Freq::Weekly,
                    "MONTHLY" => Freq::Monthly,
                    "HOURLY" | "MINUTELY" | "SECONDLY" => {
                        return Err(format!(
                            "FREQ={v} would make more than {MAX_PER_YEAR} tasks a year"
                        ));
                    }
                    _ => return Err(format!("FREQ must be DAILY, WEEKLY or MONTHLY, not {v}")),
                })
            }
            "INTERVAL" => {
                rule.interval = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=366).contains(n))
                    .ok_or_else(|| {
                        format!("INTERVAL must be a whole number from 1 to 366, not {v}")
                    })?
            }
            "BYDAY" => {
                for d in v.split(',') {
                    rule.by_day
                        .push(weekday(&d.to_ascii_uppercase()).ok_or_else(|| {
                            format!("BYDAY takes MO, TU, WE, TH, FR, SA, SU, not {d}")
                        })?);
                }
            }
            "BYMONTHDAY" => {
                for d in v.split(',') {
                    let n: i32 = d
                        .parse()
                        .ok()
                        .filter(|n| (1..=31).contains(n) || *n == -1)
                        .ok_or_else(|| format!("BYMONTHDAY takes 1 to 31 or -1, not {d}"))?;
                    rule.by_month_day.push(n);
                }
            }
            other => {
                return Err(format!(
                    "{other} is not supported (FREQ, INTERVAL, BYDAY, BYMONTHDAY are)"
                ));
            }
        }
    }
    rule.freq = freq.ok_or("FREQ is required")?;
    if !rule.by_day.is_empty() && rule.freq != Freq::Weekly {
        return Err("BYDAY goes with FREQ=WEEKLY".into());
    }
    if !rule.by_month_day.is_empty() && rule.freq != Freq::Monthly {
        return Err("BYMONTHDAY goes with FREQ=MONTHLY".into());
    }
    Ok(rule)
}

fn last_day(d: NaiveDate) -> u32 {
    let next = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    };
    next.map_or(31, |n| (n - Duration::days(1)).day())
}

impl Rule {
    /// Whether the series starting on `start` has an instance on `day`.
    pub fn occurs(&self, start: NaiveDate, day: NaiveDate) -> bool {
        if day < start {
            return false;
        }
        let i = self.interval as i64;
        match self.freq {
            Freq::Daily => (day - start).num_days() % i == 0,
            Freq::Weekly => {
                let days = if self.by_day.is_empty() {
                    vec![start.weekday()]
                } else {
                    self.by_day.clone()
                };
                let week = |d: NaiveDate| {
                    (d - Duration::days(d.weekday().num_days_from_monday() as i64))
                        .num_days_from_ce()
                        / 7
                };
                days.contains(&day.weekday()) && ((week(day) - week(start)) as i64) % i == 0
            }
            Freq::Monthly => {
                let days = if self.by_month_day.is_empty() {
                    vec![start.day() as i32]
                } else {
                    self.by_month_day.clone()
                };
                let months = |d: NaiveDate| d.year() as i64 * 12 + d.month0() as i64;
                let last = last_day(day);
                let hit = days.iter().any(|&n| {
                    if n == -1 {
                        day.day() == last
                    } else {
                        // A day the month lacks (31 in April) falls on its last day.
                        day.day() == Ord::min(n as u32, last)
                    }
                });
                hit && (months(day) - months(start)) % i == 0
            }
        }
    }

    /// Instances in the year from `start`.
    pub fn per_year(&self, start: NaiveDate) -> usize {
        (0..366)
            .map(|n| start + Duration::days(n))
            .filter(|d| self.occurs(start, *d))
            .count()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesStatus {
    Active,
    Paused,
    Ended,
}

impl SeriesStatus {
    fn as_str(self) -> &'static str {
        match self {
            SeriesStatus::Active => "active",
            SeriesStatus::Paused => "paused",
            SeriesStatus::Ended => "ended",
        }
    }
}

/// A recurring task: what each instance is (the five clears) and when instances fall.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019c5a10-5555-7d4b-9d6e-3f1c2b4a5d6e", "bloc_id": "019c5a00-0000-7d4b-9d6e-3f1c2b4a5d6e", "title": "Báo cáo tuần của Khối", "description": "Tổng hợp kết quả công tác tuần của các tổ chức thành viên", "expected_result": "Báo cáo tuần gửi Thường trực", "lead_organisation_id": "019c5a00-6666-7d4b-9d6e-3f1c2b4a5d6e", "sub_committee_id": null, "assignee_id": "019c5a01-2222-7d4b-9d6e-3f1c2b4a5d6e", "priority": "normal", "rule": "FREQ=WEEKLY;BYDAY=MO", "due_after_days": 4, "lead_days": 7, "start_on": "2016-02-01", "until": null, "status": "active", "created_by": {"id": "019c5a01-2222-7d4b-9d6e-3f1c2b4a5d6e", "account_id": "019c5a01-3333-7d4b-9d6e-3f1c2b4a5d6e", "full_name": "Nguyễn Thế Hòa"}, "version": 1, "created_at": "2016-01-30T01:00:00Z", "updated_at": "2016-01-30T01:00:00Z"}))]
pub struct SeriesDto {
    pub id: Uuid,
    pub bloc_id: Uuid,
    pub title: String,
    pub description: String,
    pub expected_result: String,
    pub lead_organisation_id: Uuid,
    pub sub_committee_id: Option<Uuid>,
    pub assignee_id: Uuid,
    pub priority: Priority,
    /// RFC 5545 RRULE subset: FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, BYDAY (weekly), BYMONTHDAY
    /// (monthly, −1 the last day).
    #[schema(example = "FREQ=WEEKLY;BYDAY=MO")]
    pub rule: String,
    /// Each instance is due this many days after the day it falls on.
    pub due_after_days: i32,
    /// Instances are created this many days ahead.
    pub lead_days: i32,
    pub start_on: NaiveDate,
    pub until: Option<NaiveDate>,
    pub status: SeriesStatus,
    /// Who set it up (instances are created as them): their staff id and full name.
    #[schema(value_type = crate::people::Person)]
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Báo cáo tuần của Khối", "description": "Tổng hợp kết quả công tác tuần của các tổ chức thành viên", "expected_result": "Báo cáo tuần gửi Thường trực", "lead_organisation_id": "01a21945-3cc4-77ec-a861-b9337650b021", "assignee_id": "01a21945-3cc4-77ec-a861-b9337650b022", "rule": "FREQ=WEEKLY;BYDAY=MO", "due_after_days": 4, "start_on": "2016-02-01"}))]
pub struct CreateSeries {
    pub title: String,
    pub description: String,
    pub expected_result: String,
    pub lead_organisation_id: Uuid,
    pub sub_committee_id: Option<Uuid>,
    pub assignee_id: Uuid,
    pub priority: Option<Priority>,
    pub rule: String,
    /// Default 0 (due the day it falls on); at most 366.
    pub due_after_days: Option<i32>,
    /// Default 7; 0 to 60.
    pub lead_days: Option<i32>,
    pub start_on: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// Changes to a series; they apply to instances not yet created.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSeries {
    pub title: Option<String>,
    pub description: Option<String>,
    pub expected_result: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub rule: Option<String>,
    pub due_after_days: Option<i32>,
    pub lead_days: Option<i32>,
    #[serde(default, deserialize_with = "crate::validate::patch")]
    #[schema(value_type = Option<NaiveDate>)]
    pub until: Option<Option<NaiveDate>>,
    /// `paused` stops new instances, `active` resumes, `ended` ends the series for good.
    pub status: Option<SeriesStatus>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub fn to_dto(m: task_series::Model) -> SeriesDto {
    SeriesDto {
        id: m.id,
        bloc_id: m.bloc_id,
        title: m.title,
        description: m.description,
        expected_result: m.expected_result,
        lead_organisation_id: m.lead_organisation_id,
        sub_committee_id: m.sub_committee_id,
        assignee_id: m.assignee_id,
        priority: Priority::from_rank(m.priority),
        rule: m.rule,
        due_after_days: m.due_after_days,
        lead_days: m.lead_days,
        start_on: m.starts_on,
        until: m.until,
        status: match m.status.as_str() {
            "paused" => SeriesStatus::Paused,
            "ended" => SeriesStatus::Ended,
            _ => SeriesStatus::Active,
        },
        created_by: m.created_by,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn check_rule(c: &mut Checks, raw: &str, start: NaiveDate) -> String {
    match parse(raw) {
        Err(m) => {
            c.add("rule", m);
            String::new()
        }
        Ok(r) => {
            let n = r.per_year(start);
            if n > MAX_PER_YEAR {
                c.add(
                    "rule",
                    format!("would make {n} tasks a year; at most {MAX_PER_YEAR}"),
                );
            }
            raw.trim().trim_start_matches("RRULE:").to_ascii_uppercase()
        }
    }
}

fn check_days(c: &mut Checks, due_after: i32, lead: i32) {
    if !(0..=366).contains(&due_after) {
        c.add("due_after_days", "must be from 0 to 366");
    }
    if !(0..=60).contains(&lead) {
        c.add("lead_days", "must be from 0 to 60");
    }
}

async fn authorize(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    action: Action,
    sub_committee: Option<Uuid>,
    organisation: Option<Uuid>,
) -> ApiResult<()> {
    let actor = Actor::of(conn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Task,
        action,
        &Target::run_by(sub_committee, organisation),
    )
}

pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateSeries,
) -> ApiResult<SeriesDto> {
    let bloc_id = Scope::of(caller)
        .own_bloc()
        .ok_or_else(|| ApiError::Forbidden("only the bloc's own people create its tasks".into()))?;
    let txn = begin_write(db).await?;
    authorize(
        &txn,
        caller,
        Action::Create,
        body.sub_committee_id,
        Some(body.lead_organisation_id),
    )
    .await?;
    let mut c = Checks::new();
    let title = c.text("title", &body.title, 500);
    let description = c.long_text("description", &body.description, 10_000);
    let expected_result = c.long_text("expected_result", &body.expected_result, 10_000);
    let rule = check_rule(&mut c, &body.rule, body.start_on);
    let (due_after, lead) = (
        body.due_after_days.unwrap_or(0),
        body.lead_days.unwrap_or(7),
    );
    check_days(&mut c, due_after, lead);
    if body.until.is_some_and(|u| u < body.start_on) {
        c.add("until", "must not be before start_on");
    }
    refs::Kind::Staff
        .check(&txn, &mut c, "assignee_id", bloc_id, Some(body.assignee_id))
        .await?;
    refs::Kind::Organisation
        .check(
            &txn,
            &mut c,
            "lead_organisation_id",
            bloc_id,
            Some(body.lead_organisation_id),
        )
        .await?;
    if body.sub_committee_id.is_some() {
        refs::Kind::SubCommittee
            .check(
                &txn,
                &mut c,
                "sub_committee_id",
                bloc_id,
                body.sub_committee_id,
            )
            .await?;
    }
    c.finish()?;
    let now = Utc::now();
    let m = task_series::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        title: Set(title),
        description: Set(description),
        expected_result: Set(expected_result),
        lead_organisation_id: Set(body.lead_organisation_id),
        sub_committee_id: Set(body.sub_committee_id),
        assignee_id: Set(body.assignee_id),
        priority: Set(body.priority.unwrap_or(Priority::Normal).rank()),
        rule: Set(rule),
        due_after_days: Set(due_after),
        lead_days: Set(lead),
        starts_on: Set(body.start_on),
        until: Set(body.until),
        status: Set(SeriesStatus::Active.as_str().into()),
        created_by: Set(caller.account_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let dto = to_dto(m);
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: dto.id,
            bloc_id: Some(bloc_id),
            before: None,
            after: Some(&dto),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(dto)
}

async fn find(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<task_series::Model> {
    crate::tenancy::find::<task_series::Entity>(conn, &Scope::of(caller), id, "task series").await
}

pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<SeriesDto> {
    policy::may_read(caller, Resource::Task)?;
    Ok(to_dto(find(db, caller, id).await?))
}

pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: SeriesQuery,
) -> ApiResult<Page<SeriesDto>> {
    policy::may_read(caller, Resource::Task)?;
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<task_series::Column>; 0] = [];
    let keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    let select = crate::tenancy::select::<task_series::Entity>(&Scope::of(caller));
    Ok(keyset
        .fetch(
            db,
            select,
            task_series::Column::Id,
            limit,
            |m| (serde_json::Value::Null, m.id),
            to_dto,
        )
        .await?)
}

pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateSeries,
) -> ApiResult<SeriesDto> {
    let txn = begin_write(db).await?;
    let current = find(&txn, caller, id).await?;
    authorize(
        &txn,
        caller,
        Action::Update,
        current.sub_committee_id,
        Some(current.lead_organisation_id),
    )
    .await?;
    if_match.check(current.version)?;
    if current.status == "ended" {
        return Err(ApiError::conflict("the series has ended; start a new one"));
    }
    let before = to_dto(current.clone());
    let mut c = Checks::new();
    let mut am: task_series::ActiveModel = current.clone().into();
    if let Some(t) = &body.title {
        am.title = Set(c.text("title", t, 500));
    }
    if let Some(t) = &body.description {
        am.description = Set(c.long_text("description", t, 10_000));
    }
    if let Some(t) = &body.expected_result {
        am.expected_result = Set(c.long_text("expected_result", t, 10_000));
    }
    if let Some(r) = &body.rule {
        am.rule = Set(check_rule(&mut c, r, current.starts_on));
    }
    check_days(
        &mut c,
        body.due_after_days.unwrap_or(current.due_after_days),
        body.lead_days.unwrap_or(current.lead_days),
    );
    if let Some(d) = body.due_after_days {
        am.due_after_days = Set(d);
    }
    if let Some(d) = body.lead_days {
        am.lead_days = Set(d);
    }
    if let Some(u) = body.until {
        if u.is_some_and(|u| u < current.starts_on) {
            c.add("until", "must not be before start_on");
        }
        am.until = Set(u);
    }
    if let Some(a) = body.assignee_id {
        refs::Kind::Staff
            .check(&txn, &mut c, "assignee_id", current.bloc_id, Some(a))
            .await?;
        am.assignee_id = Set(a);
    }
    if let Some(s) = body.status {
        am.status = Set(s.as_str().into());
    }
    c.finish()?;
    let saved = audit::save_and_record(
        &txn,
        caller,
        audit::Rewrite {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(current.bloc_id),
        },
        &before,
        (am, task_series::Column::Version, current.version),
        to_dto,
    )
    .await?;
    txn.commit().await?;
    Ok(to_dto(saved))
}

/// Creates the instances due by `today` + each series' lead days, each in its own
/// transaction, claimed by its (series, day) key so that no instance is made twice.
pub async fn materialise(db: &DatabaseConnection, today: NaiveDate) -> Result<u32, DbErr> {
    let series = task_series::Entity::find()
        .filter(task_series::Column::Status.eq("active"))
        .all(db)
        .await?;
    let mut made = 0;
    for s in series {
        let Ok(rule) = parse(&s.rule) else { continue };
        let from = Ord::max(today, s.starts_on);
        let to = today + Duration::days(s.lead_days as i64);
        let mut day = from;
        while day <= to && s.until.is_none_or(|u| day <= u) {
            if rule.occurs(s.starts_on, day) {
                match instance(db, &s, day).await {
                    Ok(true) => made += 1,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(series = %s.id, %day, error = ?e, "a recurring task could not be created");
                        break;
                    }
                }
            }
            day += Duration::days(1);
        }
    }
    Ok(made)
}

async fn instance(
    db: &DatabaseConnection,
    s: &task_series::Model,
    day: NaiveDate,
) -> Result<bool, ApiError> {
    if series_instance::Entity::find_by_id((s.id, day))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    // The instance is created as the person who set up the series would create it.
    let Some(owner) = account::Entity::find_by_id(s.created_by).one(db).await? else {
        return Ok(false);
    };
    let caller = Caller {
        account_id: owner.id,
        role: Role::parse(&owner.role).unwrap_or(Role::Staff),
        bloc_id: Some(s.bloc_id),
        province: None,
        request_id: Some(format!("series-{}-{day}", s.id)),
        client: false,
        scope: None,
        idempotency: None,
        staffing: crate::auth::Known::Unchecked,
    };
    let txn = begin_write(db).await?;
    let claimed = series_instance::Entity::insert(series_instance::ActiveModel {
        series_id: Set(s.id),
        occurs_on: Set(day),
        task_id: Set(Uuid::nil()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            series_instance::Column::SeriesId,
            series_instance::Column::OccursOn,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec(&txn)
    .await;
    match claimed {
        Ok(_) => {}
        Err(DbErr::RecordNotInserted) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    let created = drafting::create_in(
        &txn,
        &caller,
        CreateTask {
            title: format!("{} ({})", s.title, day.format("%d/%m/%Y")),
            description: Some(s.description.clone()),
            expected_result: Some(s.expected_result.clone()),
            directive_id: None,
            campaign_id: None,
            lead_organisation_id: Some(s.lead_organisation_id),
            coordinating_organisation_ids: vec![],
            sub_committee_id: s.sub_committee_id,
            assignee_id: Some(s.assignee_id),
            start_date: Some(day),
            due_date: Some(day + Duration::days(s.due_after_days as i64)),
            priority: Some(Priority::from_rank(s.priority)),
            key_task: false,
            opened_on: None,
        },
    )
    .await?;
    let task_id = created.task.id;
    moves::transition_in(
        &txn,
        &caller,
        task_id,
        &IfMatch::default(),
        Transition {
            action: Move::Assign,
            reason: Some(format!("Nhiệm vụ định kỳ ({})", s.rule)),
            assignee_id: None,
            report: None,
            duplicate_of: None,
            occurred_on: None,
        },
    )
    .await?;
    series_instance::Entity::update_many()
        .col_expr(
            series_instance::Column::TaskId,
            sea_orm::sea_query::Expr::value(task_id),
        )
        .filter(series_instance::Column::SeriesId.eq(s.id))
        .filter(series_instance::Column::OccursOn.eq(day))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weekly_on_monday_falls_on_mondays() {
        let r = parse("FREQ=WEEKLY;BYDAY=MO").unwrap();
        let start = d("2016-02-01"); // a Monday
        let hits: Vec<NaiveDate> = (0..21)
            .map(|n| start + Duration::days(n))
            .filter(|x| r.occurs(start, *x))
            .collect();
        assert_eq!(
            hits,
            vec![d("2016-02-01"), d("2016-02-08"), d("2016-02-15")]
        );
        assert_eq!(r.per_year(start), 53);
    }

    #[test]
    fn monthly_and_quarterly_and_the_last_day() {
        let start = d("2016-01-31");
        let m = parse("FREQ=MONTHLY").unwrap();
        assert!(
            m.occurs(start, d("2016-02-29")),
            "31 falls on February's last day"
        );
        let q = parse("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1").unwrap();
        assert!(q.occurs(start, d("2016-04-30")));
        assert!(!q.occurs(start, d("2016-03-31")));
        assert_eq!(q.per_year(start), 4);
    }

    #[test]
    fn bad_rules_say_why() {
        assert!(parse("FREQ=HOURLY").unwrap_err().contains("400"));
        assert!(parse("BYDAY=MO").unwrap_err().contains("FREQ"));
        assert!(parse("FREQ=WEEKLY;BYDAY=XX").unwrap_err().contains("BYDAY"));
        assert!(parse("FREQ=DAILY;BYMONTHDAY=1").is_err());
        assert!(parse("FREQ=YEARLY").is_err());
        let daily = parse("FREQ=DAILY").unwrap();
        assert_eq!(daily.per_year(d("2016-01-01")), 366);
    }
}
