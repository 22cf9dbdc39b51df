//! Recommendations a supervision makes, their settling, and what the addressees answered.
use super::dto::{
    NewRecommendation, NewResponse, RecommendationDto, RecommendationStatus, ResponseDto,
    SupervisionStatus, UpdateRecommendation,
};
use super::service::{find, is_overdue, rec_status, recommendations_of, run_by, status_of};

use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{recommendation as rec, recommendation_response as resp, supervision as sup},
    error::{ApiError, ApiResult},
    policy::{self, Action, Actor, Resource, Target},
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

async fn rec_dtos(
    conn: &impl ConnectionTrait,
    rows: Vec<rec::Model>,
) -> Result<Vec<RecommendationDto>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut responses: HashMap<Uuid, Vec<ResponseDto>> = HashMap::new();
    if !ids.is_empty() {
        let found = resp::Entity::find()
            .filter(resp::Column::RecommendationId.is_in(ids))
            .order_by_asc(resp::Column::Id)
            .all(conn)
            .await?;
        let resp_ids: Vec<Uuid> = found.iter().map(|r| r.id).collect();
        let mut files = crate::files::service::attached_to(conn, &resp_ids).await?;
        for r in found {
            responses
                .entry(r.recommendation_id)
                .or_default()
                .push(ResponseDto {
                    id: r.id,
                    responded_on: r.responded_on,
                    text: r.text,
                    status: r.status.as_deref().and_then(RecommendationStatus::parse),
                    created_by: r.created_by,
                    attachments: files.remove(&r.id).unwrap_or_default(),
                    created_at: r.created_at,
                });
        }
    }
    let today = crate::clock::today();
    Ok(rows
        .into_iter()
        .map(|m| {
            let status = rec_status(&m);
            RecommendationDto {
                overdue: is_overdue(&m, today),
                allowed_statuses: status.allowed_next().to_vec(),
                status,
                responses: responses.remove(&m.id).unwrap_or_default(),
                id: m.id,
                supervision_id: m.supervision_id,
                text: m.text,
                addressee: m.addressee,
                due_on: m.due_on,
                closed_on: m.closed_on,
                created_by: m.created_by,
                version: m.version,
                created_at: m.created_at,
                updated_at: m.updated_at,
            }
        })
        .collect())
}

/// Keeps in `allowed_statuses` only what this caller may set: those who run the supervision.
/// (Recording an addressee's response is open to every cadre, at `…/responses`.)
fn as_seen_by(actor: &Actor, s: &sup::Model, mut d: RecommendationDto) -> RecommendationDto {
    if !policy::allows(
        actor,
        Resource::Recommendation,
        Action::Update,
        &run_by(actor, s, &[]),
    ) {
        d.allowed_statuses.clear();
    }
    d
}

pub(crate) async fn rec_dto(
    conn: &impl ConnectionTrait,
    m: rec::Model,
) -> Result<RecommendationDto, DbErr> {
    Ok(rec_dtos(conn, vec![m]).await?.remove(0))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn list_recommendations(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<Vec<RecommendationDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Supervision)?;
    let sup = find(db, caller, id).await?;
    let actor = Actor::of(db, caller).await?;
    Ok(rec_dtos(db, recommendations_of(db, id).await?)
        .await?
        .into_iter()
        .map(|d| as_seen_by(&actor, &sup, d))
        .collect())
}

async fn find_rec(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    rid: Uuid,
) -> ApiResult<(sup::Model, rec::Model)> {
    let s = find(conn, caller, id).await?;
    let r = tenancy::find_under::<rec::Entity>(
        conn,
        &Scope::of(caller),
        rid,
        rec::Column::SupervisionId,
        id,
        "recommendation",
    )
    .await?;
    Ok((s, r))
}

#[tracing::instrument(skip_all, fields(id = %id, rid = %rid))]
pub async fn get_recommendation(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    rid: Uuid,
) -> ApiResult<RecommendationDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Supervision)?;
    let (sup, r) = find_rec(db, caller, id, rid).await?;
    let actor = Actor::of(db, caller).await?;
    Ok(as_seen_by(&actor, &sup, rec_dto(db, r).await?))
}

fn check_due(c: &mut Checks, s: &sup::Model, due: Option<NaiveDate>) {
    if let Some(d) = due
        && d < s.planned_start
    {
        c.add("due_on", "must not be before the supervision starts");
    }
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn add_recommendation(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    body: NewRecommendation,
) -> ApiResult<RecommendationDto> {
    let txn = begin_write(db).await?;
    let s = find(&txn, caller, id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Recommendation,
        Action::Create,
        &run_by(&actor, &s, &[]),
    )?;
    let status = status_of(&s);
    if matches!(
        status,
        SupervisionStatus::Planned | SupervisionStatus::Closed
    ) {
        return Err(ApiError::conflict(format!(
            "recommendations come from a supervision under way or concluded; this one is {}",
            status.as_str()
        )));
    }
    let mut c = Checks::new();
    let text = c.long_text("text", &body.text, 10_000);
    let addressee = c.text("addressee", &body.addressee, 300);
    check_due(&mut c, &s, body.due_on);
    c.finish()?;
    let now = Utc::now();
    let m = rec::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(s.bloc_id),
        supervision_id: Set(id),
        text: Set(text),
        addressee: Set(addressee),
        due_on: Set(body.due_on),
        status: Set(RecommendationStatus::Open.as_str().into()),
        closed_on: Set(None),
        created_by: Set(caller.account_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let out = rec_dto(&txn, m).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: "supervision_recommendation",
            resource_id: out.id,
            bloc_id: Some(s.bloc_id),
            before: None,
            after: Some(&out),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(as_seen_by(&actor, &s, out))
}

fn illegal_rec_move(now: RecommendationStatus, next: RecommendationStatus) -> ApiError {
    ApiError::illegal_move(
        "recommendation",
        now.as_str(),
        next.as_str(),
        now.allowed_next().iter().map(|s| s.as_str()),
    )
}

fn settle(am: &mut rec::ActiveModel, next: RecommendationStatus, on: NaiveDate) {
    am.status = Set(next.as_str().into());
    am.closed_on = Set((!next.is_pending()).then_some(on));
}

#[tracing::instrument(skip_all, fields(id = %id, rid = %rid))]
pub async fn update_recommendation(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    rid: Uuid,
    if_match: &IfMatch,
    body: UpdateRecommendation,
) -> ApiResult<RecommendationDto> {
    let txn = begin_write(db).await?;
    let (s, current) = find_rec(&txn, caller, id, rid).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Recommendation,
        Action::Update,
        &run_by(&actor, &s, &[]),
    )?;
    if_match.check(current.version)?;
    if status_of(&s) == SupervisionStatus::Closed {
        return Err(ApiError::conflict("the supervision is closed"));
    }
    let before = rec_dto(&txn, current.clone()).await?;
    let mut c = Checks::new();
    let mut am: rec::ActiveModel = current.clone().into();
    if let Some(t) = &body.text {
        am.text = Set(c.long_text("text", t, 10_000));
    }
    if let Some(a) = &body.addressee {
        am.addressee = Set(c.text("addressee", a, 300));
    }
    if let Some(d) = body.due_on {
        check_due(&mut c, &s, d);
        am.due_on = Set(d);
    }
    c.finish()?;
    let now = rec_status(&current);
    if let Some(next) = body.status
        && next != now
    {
        if !now.allowed_next().contains(&next) {
            return Err(illegal_rec_move(now, next));
        }
        settle(&mut am, next, crate::clock::today());
    }
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, rec::Column::Version, current.version).await?;
    let after = rec_dto(&txn, updated).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: "supervision_recommendation",
            resource_id: rid,
            bloc_id: Some(s.bloc_id),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(as_seen_by(&actor, &s, after))
}

#[tracing::instrument(skip_all, fields(id = %id, rid = %rid))]
pub async fn add_response(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    rid: Uuid,
    body: NewResponse,
) -> ApiResult<RecommendationDto> {
    let txn = begin_write(db).await?;
    let (s, current) = find_rec(&txn, caller, id, rid).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Recommendation,
        Action::Respond,
        &Target::default(),
    )?;
    if status_of(&s) == SupervisionStatus::Closed {
        return Err(ApiError::conflict("the supervision is closed"));
    }
    let now = rec_status(&current);
    if !now.is_pending() {
        return Err(ApiError::Conflict {
            detail: format!(
                "the recommendation is {}: it takes no more responses",
                now.as_str()
            ),
            allowed: Some(vec![]),
        });
    }
    let mut c = Checks::new();
    let text = c.long_text("text", &body.text, 10_000);
    if body.responded_on > crate::clock::today() {
        c.add("responded_on", "must not be in the future");
    } else if body.responded_on < current.created_at.date_naive().min(s.planned_start) {
        c.add(
            "responded_on",
            "must not be before the recommendation was made",
        );
    }
    c.finish()?;
    let mut am: rec::ActiveModel = current.clone().into();
    if let Some(next) = body.status
        && next != now
    {
        if !now.allowed_next().contains(&next) {
            return Err(illegal_rec_move(now, next));
        }
        settle(&mut am, next, body.responded_on);
    }
    let response_id = Uuid::now_v7();
    resp::ActiveModel {
        id: Set(response_id),
        bloc_id: Set(s.bloc_id),
        recommendation_id: Set(rid),
        responded_on: Set(body.responded_on),
        text: Set(text),
        status: Set(body.status.map(|s| s.as_str().to_string())),
        created_by: Set(caller.account_id),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    crate::files::service::attach(
        &txn,
        caller,
        s.bloc_id,
        "attachments",
        &body.attachments,
        ("recommendation_response", response_id),
    )
    .await?;
    let before = rec_dto(&txn, current.clone()).await?;
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, rec::Column::Version, current.version).await?;
    let after = rec_dto(&txn, updated).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "respond",
            resource_type: "supervision_recommendation",
            resource_id: rid,
            bloc_id: Some(s.bloc_id),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(as_seen_by(&actor, &s, after))
}

// ---- report ----
