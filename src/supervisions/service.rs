//! Supervision and social-criticism records, their findings, recommendations and the
//! addressees' responses: rules and queries.
use super::dto::{
    CreateSupervision, RecommendationStatus, SupervisionDto, SupervisionKind, SupervisionQuery,
    SupervisionStatus, UpdateSupervision,
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{
        directive, recommendation as rec, sub_committee, supervision as sup,
        supervision_member as member, supervision_unit as sunit,
    },
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs, search,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, sea_query::Query,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

pub const RESOURCE: &str = "supervision";
const MAX_MEMBERS: usize = 50;
const MAX_UNITS: usize = 200;
/// The code of the Inspection–Supervision sub-committee, the default in charge.
pub const KTGS: &str = "KTGS";

fn sort_fields() -> [SortField<sup::Column>; 2] {
    [
        SortField {
            name: "planned_start_on",
            column: sup::Column::PlannedStart,
            kind: Kind::Date,
        },
        SortField {
            name: "created_at",
            column: sup::Column::CreatedAt,
            kind: Kind::Time,
        },
    ]
}

pub fn status_of(m: &sup::Model) -> SupervisionStatus {
    SupervisionStatus::parse(&m.status).unwrap_or(SupervisionStatus::Planned)
}

pub(super) fn rec_status(m: &rec::Model) -> RecommendationStatus {
    RecommendationStatus::parse(&m.status).unwrap_or(RecommendationStatus::Open)
}

pub(super) fn is_overdue(m: &rec::Model, today: NaiveDate) -> bool {
    rec_status(m).is_pending() && m.due_on.is_some_and(|d| d < today)
}

/// Who runs it, and whether the caller is one of its members.
pub(super) fn run_by(actor: &Actor, m: &sup::Model, members: &[Uuid]) -> Target {
    Target::run_by(m.sub_committee_id, m.lead_organisation_id).with_members(actor, members)
}

pub(super) async fn links(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<(HashMap<Uuid, Vec<Uuid>>, HashMap<Uuid, Vec<Uuid>>), DbErr> {
    let mut members: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut units: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if ids.is_empty() {
        return Ok((members, units));
    }
    for m in member::Entity::find()
        .filter(member::Column::SupervisionId.is_in(ids.to_vec()))
        .order_by_asc(member::Column::StaffId)
        .all(conn)
        .await?
    {
        members
            .entry(m.supervision_id)
            .or_default()
            .push(m.staff_id);
    }
    for u in sunit::Entity::find()
        .filter(sunit::Column::SupervisionId.is_in(ids.to_vec()))
        .order_by_asc(sunit::Column::UnitId)
        .all(conn)
        .await?
    {
        units.entry(u.supervision_id).or_default().push(u.unit_id);
    }
    Ok((members, units))
}

async fn dtos(
    conn: &impl ConnectionTrait,
    rows: Vec<sup::Model>,
) -> Result<Vec<SupervisionDto>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let (mut members, mut units) = links(conn, &ids).await?;
    let today = crate::clock::today();
    let mut counts: HashMap<Uuid, (i64, i64)> = HashMap::new();
    if !ids.is_empty() {
        for r in rec::Entity::find()
            .filter(rec::Column::SupervisionId.is_in(ids.clone()))
            .filter(rec::Column::Status.is_in([
                RecommendationStatus::Open.as_str(),
                RecommendationStatus::Accepted.as_str(),
            ]))
            .all(conn)
            .await?
        {
            let e = counts.entry(r.supervision_id).or_default();
            e.0 += 1;
            e.1 += i64::from(is_overdue(&r, today));
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| {
            let status = status_of(&m);
            let (pending, overdue) = counts.get(&m.id).copied().unwrap_or_default();
            SupervisionDto {
                member_ids: members.remove(&m.id).unwrap_or_default(),
                unit_ids: units.remove(&m.id).unwrap_or_default(),
                kind: SupervisionKind::parse(&m.kind).unwrap_or(SupervisionKind::Supervision),
                allowed_statuses: status.allowed_next().to_vec(),
                status,
                pending_recommendations: pending,
                overdue_recommendations: overdue,
                id: m.id,
                bloc_id: m.bloc_id,
                title: m.title,
                subject: m.subject,
                directive_id: m.directive_id,
                lead_organisation_id: m.lead_organisation_id,
                sub_committee_id: m.sub_committee_id,
                planned_start: m.planned_start,
                planned_end: m.planned_end,
                conclusion: m.conclusion,
                created_by: m.created_by,
                version: m.version,
                created_at: m.created_at,
                updated_at: m.updated_at,
            }
        })
        .collect())
}

/// Keeps in `allowed_statuses` only what this caller may set: those who run the supervision
/// (the bloc head, the deputy heading its sub-committee or leading its lead organisation).
pub fn as_seen_by(actor: &Actor, mut d: SupervisionDto) -> SupervisionDto {
    if !policy::allows(
        actor,
        Resource::Supervision,
        Action::Update,
        &Target::run_by(d.sub_committee_id, d.lead_organisation_id),
    ) {
        d.allowed_statuses.clear();
    }
    d
}

pub async fn dto(conn: &impl ConnectionTrait, m: sup::Model) -> Result<SupervisionDto, DbErr> {
    Ok(dtos(conn, vec![m]).await?.remove(0))
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: SupervisionQuery,
) -> ApiResult<Page<SupervisionDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Supervision)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref());
    if let (Some(f), Some(t)) = (q.from, q.to)
        && f > t
    {
        return Err(ApiError::bad_field("from", "must not be after to"));
    }
    let mut select = tenancy::select::<sup::Entity>(&scope);
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        sup::Column::UpdatedAt,
        sup::Column::Id,
    )?;
    if let Some(k) = q.kind {
        select = select.filter(sup::Column::Kind.eq(k.as_str()));
    }
    if let Some(s) = q.status {
        select = select.filter(sup::Column::Status.eq(s.as_str()));
    }
    if let Some(o) = q.lead_organisation_id {
        select = select.filter(sup::Column::LeadOrganisationId.eq(o));
    }
    if let Some(s) = q.sub_committee_id {
        select = select.filter(sup::Column::SubCommitteeId.eq(s));
    }
    if let Some(f) = q.from {
        select = select.filter(sup::Column::PlannedStart.gte(f));
    }
    if let Some(t) = q.to {
        select = select.filter(sup::Column::PlannedStart.lte(t));
    }
    if let Some(p) = q.member_id {
        select = select.filter(
            sup::Column::Id.in_subquery(
                Query::select()
                    .column(member::Column::SupervisionId)
                    .from(member::Entity)
                    .and_where(member::Column::StaffId.eq(p))
                    .to_owned(),
            ),
        );
    }
    if let Some(u) = q.unit_id {
        select = select.filter(
            sup::Column::Id.in_subquery(
                Query::select()
                    .column(sunit::Column::SupervisionId)
                    .from(sunit::Entity)
                    .and_where(sunit::Column::UnitId.eq(u))
                    .to_owned(),
            ),
        );
    }
    if let Some(cond) =
        search::matching(db, RESOURCE, &scope, q.q.as_deref(), sup::Column::Id).await?
    {
        select = select.filter(cond);
    }
    let field = keyset.field_name();
    let rows = keyset.apply(select, sup::Column::Id, limit).all(db).await?;
    let actor = Actor::of(db, caller).await?;
    let items = dtos(db, rows)
        .await?
        .into_iter()
        .map(|d| as_seen_by(&actor, d))
        .collect();
    Ok(keyset.finish(
        items,
        limit,
        |d| {
            let v = match field {
                Some("planned_start_on") => json!(d.planned_start),
                Some("created_at") => json!(d.created_at),
                _ => json!(null),
            };
            (v, d.id)
        },
        |d| d,
    ))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find(conn: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> ApiResult<sup::Model> {
    tenancy::find::<sup::Entity>(conn, &Scope::of(caller), id, "supervision").await
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<SupervisionDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Supervision)?;
    let m = find(db, caller, id).await?;
    let actor = Actor::of(db, caller).await?;
    Ok(as_seen_by(&actor, dto(db, m).await?))
}

async fn check_people(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    bloc_id: Uuid,
    members: &[Uuid],
    units: &[Uuid],
) -> Result<(Vec<Uuid>, Vec<Uuid>), DbErr> {
    let m = refs::list_in_bloc(
        conn,
        c,
        "member_ids",
        bloc_id,
        members,
        MAX_MEMBERS,
        refs::Kind::Staff,
    )
    .await?;
    let u = refs::list_in_bloc(
        conn,
        c,
        "unit_ids",
        bloc_id,
        units,
        MAX_UNITS,
        refs::Kind::Unit,
    )
    .await?;
    Ok((m, u))
}

async fn set_links(
    conn: &impl ConnectionTrait,
    m: &sup::Model,
    members: Option<&[Uuid]>,
    units: Option<&[Uuid]>,
) -> Result<(), DbErr> {
    if let Some(members) = members {
        crate::db::replace_links(conn, member::Column::SupervisionId, m.id, members, |s| {
            member::ActiveModel {
                supervision_id: Set(m.id),
                staff_id: Set(s),
                bloc_id: Set(m.bloc_id),
            }
        })
        .await?;
    }
    if let Some(units) = units {
        crate::db::replace_links(conn, sunit::Column::SupervisionId, m.id, units, |u| {
            sunit::ActiveModel {
                supervision_id: Set(m.id),
                unit_id: Set(u),
                bloc_id: Set(m.bloc_id),
            }
        })
        .await?;
    }
    Ok(())
}

async fn directive_in_bloc(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    bloc_id: Uuid,
    id: Option<Uuid>,
) -> Result<(), DbErr> {
    if let Some(id) = id
        && directive::Entity::find_by_id(id)
            .filter(directive::Column::BlocId.eq(bloc_id))
            .one(conn)
            .await?
            .is_none()
    {
        c.add("directive_id", "no such directive in this bloc");
    }
    Ok(())
}

async fn index(conn: &impl ConnectionTrait, m: &sup::Model) -> Result<(), DbErr> {
    search::index(conn, RESOURCE, m.bloc_id, m.id, &[&m.title, &m.subject]).await
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateSupervision,
) -> ApiResult<SupervisionDto> {
    let bloc_id = Scope::of(caller).own_bloc().ok_or_else(|| {
        ApiError::Forbidden("only the bloc's own people plan its supervision".into())
    })?;
    let txn = begin_write(db).await?;
    let actor = Actor::of(&txn, caller).await?;
    let mut c = Checks::new();
    let title = c.text("title", &body.title, 300);
    let subject = c.text("subject", &body.subject, 500);
    directive_in_bloc(&txn, &mut c, bloc_id, body.directive_id).await?;
    refs::Kind::Organisation
        .check(
            &txn,
            &mut c,
            "lead_organisation_id",
            bloc_id,
            body.lead_organisation_id,
        )
        .await?;
    let sub_committee_id = match body.sub_committee_id {
        Some(id) => {
            refs::Kind::SubCommittee
                .check(&txn, &mut c, "sub_committee_id", bloc_id, Some(id))
                .await?;
            Some(id)
        }
        None => sub_committee::Entity::find()
            .filter(sub_committee::Column::BlocId.eq(bloc_id))
            .filter(sub_committee::Column::Code.eq(KTGS))
            .one(&txn)
            .await?
            .map(|s| s.id),
    };
    let (members, units) =
        check_people(&txn, &mut c, bloc_id, &body.member_ids, &body.unit_ids).await?;
    if body.planned_end < body.planned_start {
        c.add("planned_end_on", "must not be before planned_start_on");
    }
    c.finish()?;
    policy::authorize(
        &actor,
        Resource::Supervision,
        Action::Create,
        &Target::run_by(sub_committee_id, body.lead_organisation_id),
    )?;
    let now = Utc::now();
    let m = sup::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        kind: Set(body.kind.as_str().into()),
        title: Set(title),
        subject: Set(subject),
        directive_id: Set(body.directive_id),
        lead_organisation_id: Set(body.lead_organisation_id),
        sub_committee_id: Set(sub_committee_id),
        planned_start: Set(body.planned_start),
        planned_end: Set(body.planned_end),
        status: Set(SupervisionStatus::Planned.as_str().into()),
        conclusion: Set(None),
        created_by: Set(caller.account_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    set_links(&txn, &m, Some(&members), Some(&units)).await?;
    index(&txn, &m).await?;
    let out = dto(&txn, m).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: out.id,
            bloc_id: Some(bloc_id),
            before: None,
            after: Some(&out),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(as_seen_by(&actor, out))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateSupervision,
) -> ApiResult<SupervisionDto> {
    let txn = begin_write(db).await?;
    let current = find(&txn, caller, id).await?;
    let before = dto(&txn, current.clone()).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Supervision,
        Action::Update,
        &run_by(&actor, &current, &before.member_ids),
    )?;
    if_match.check(current.version)?;
    let now_status = status_of(&current);
    if now_status == SupervisionStatus::Closed {
        return Err(ApiError::conflict("the supervision is closed"));
    }
    let bloc_id = current.bloc_id;
    let mut c = Checks::new();
    let mut am: sup::ActiveModel = current.clone().into();
    if let Some(k) = body.kind {
        am.kind = Set(k.as_str().into());
    }
    if let Some(t) = &body.title {
        am.title = Set(c.text("title", t, 300));
    }
    if let Some(s) = &body.subject {
        am.subject = Set(c.text("subject", s, 500));
    }
    if let Some(d) = body.directive_id {
        directive_in_bloc(&txn, &mut c, bloc_id, d).await?;
        am.directive_id = Set(d);
    }
    let lead = body
        .lead_organisation_id
        .unwrap_or(current.lead_organisation_id);
    if body.lead_organisation_id.is_some() {
        refs::Kind::Organisation
            .check(&txn, &mut c, "lead_organisation_id", bloc_id, lead)
            .await?;
        am.lead_organisation_id = Set(lead);
    }
    let sc = body.sub_committee_id.unwrap_or(current.sub_committee_id);
    if body.sub_committee_id.is_some() {
        refs::Kind::SubCommittee
            .check(&txn, &mut c, "sub_committee_id", bloc_id, sc)
            .await?;
        am.sub_committee_id = Set(sc);
    }
    let (members, units) = check_people(
        &txn,
        &mut c,
        bloc_id,
        body.member_ids.as_deref().unwrap_or_default(),
        body.unit_ids.as_deref().unwrap_or_default(),
    )
    .await?;
    let start = body.planned_start.unwrap_or(current.planned_start);
    let end = body.planned_end.unwrap_or(current.planned_end);
    if end < start {
        c.add("planned_end_on", "must not be before planned_start_on");
    }
    am.planned_start = Set(start);
    am.planned_end = Set(end);
    let conclusion = match &body.conclusion {
        Some(v) => c.opt_long_text("conclusion", v.as_deref(), 20_000),
        None => current.conclusion.clone(),
    };
    am.conclusion = Set(conclusion.clone());
    let next = body.status.unwrap_or(now_status);
    if next == SupervisionStatus::Concluded && next != now_status && conclusion.is_none() {
        c.add(
            "conclusion",
            "a supervision is concluded with its conclusion",
        );
    }
    c.finish()?;
    // Handing it to others needs the right to run it there too.
    if (sc, lead) != (current.sub_committee_id, current.lead_organisation_id) {
        policy::authorize(
            &actor,
            Resource::Supervision,
            Action::Update,
            &Target::run_by(sc, lead),
        )?;
    }
    if next != now_status {
        if !now_status.allowed_next().contains(&next) {
            return Err(ApiError::illegal_move(
                "supervision",
                now_status.as_str(),
                next.as_str(),
                now_status.allowed_next().iter().map(|s| s.as_str()),
            ));
        }
        if next == SupervisionStatus::Closed {
            let pending: Vec<String> = recommendations_of(&txn, id)
                .await?
                .into_iter()
                .filter(|r| rec_status(r).is_pending())
                .map(|r| format!("{} ({})", r.id, r.text.chars().take(60).collect::<String>()))
                .collect();
            if !pending.is_empty() {
                return Err(ApiError::conflict(format!(
                    "{} recommendation(s) not yet settled: {}",
                    pending.len(),
                    pending.join("; ")
                )));
            }
        }
        am.status = Set(next.as_str().into());
    }
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, sup::Column::Version, current.version).await?;
    set_links(
        &txn,
        &updated,
        body.member_ids.as_ref().map(|_| members.as_slice()),
        body.unit_ids.as_ref().map(|_| units.as_slice()),
    )
    .await?;
    index(&txn, &updated).await?;
    let after = dto(&txn, updated).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(bloc_id),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(as_seen_by(&actor, after))
}

// ---- findings ----

pub(super) async fn recommendations_of(
    conn: &impl ConnectionTrait,
    supervision_id: Uuid,
) -> Result<Vec<rec::Model>, DbErr> {
    rec::Entity::find()
        .filter(rec::Column::SupervisionId.eq(supervision_id))
        .order_by_asc(rec::Column::Id)
        .all(conn)
        .await
}
