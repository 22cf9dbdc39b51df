//! Registrations: a unit or an organisation enters a model or an entry in a campaign.
use super::{
    dto::{
        NewRegistration, RegistrationDto, RegistrationQuery, RegistrationStatus, UpdateRegistration,
    },
    figures::check_campaign_date,
    service::{self, closed_is_final, led_by},
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::campaign_registration as reg,
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Page},
    policy::{self, Action, Actor, Resource, Target},
    refs,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "campaign_registration";

fn status_of(m: &reg::Model) -> RegistrationStatus {
    RegistrationStatus::parse(&m.status).unwrap_or(RegistrationStatus::Registered)
}

pub fn to_dto(m: reg::Model) -> RegistrationDto {
    let status = status_of(&m);
    RegistrationDto {
        id: m.id,
        campaign_id: m.campaign_id,
        unit_id: m.unit_id,
        organisation_id: m.organisation_id,
        title: m.title,
        registered_on: m.registered_on,
        status,
        allowed_statuses: status.allowed_next().to_vec(),
        note: m.note,
        created_by: m.created_by,
        attachments: vec![],
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// The rule a status change is decided by: recognising, or withdrawing what was recognised, is
/// the campaign leaders' call; withdrawing an entry, any cadre's.
fn action_for(now: RegistrationStatus, next: RegistrationStatus) -> Action {
    match (now, next) {
        (_, RegistrationStatus::Recognised) | (RegistrationStatus::Recognised, _)
            if next != now =>
        {
            Action::Recognise
        }
        (_, RegistrationStatus::Withdrawn) if next != now => Action::Withdraw,
        _ => Action::Create,
    }
}

/// Keeps in `allowed_statuses` only the changes this caller may make; none once the campaign
/// is closed.
fn as_seen_by(
    actor: &Actor,
    campaign: &crate::entities::campaign::Model,
    mut d: RegistrationDto,
) -> RegistrationDto {
    if closed_is_final(campaign).is_err() {
        d.allowed_statuses.clear();
    }
    let now = d.status;
    d.allowed_statuses.retain(|next| {
        policy::allows(
            actor,
            Resource::Registration,
            action_for(now, *next),
            &led_by(campaign),
        )
    });
    d
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    body: NewRegistration,
) -> ApiResult<RegistrationDto> {
    let txn = begin_write(db).await?;
    let campaign = service::find(&txn, caller, campaign_id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Registration,
        Action::Create,
        &Target::default(),
    )?;
    closed_is_final(&campaign)?;
    let mut c = Checks::new();
    match (body.unit_id, body.organisation_id) {
        (Some(_), Some(_)) => c.add(
            "organisation_id",
            "a registration is by a unit or by an organisation, not both",
        ),
        (None, None) => c.add("unit_id", "give the unit_id or the organisation_id"),
        (u, o) => {
            refs::Kind::Unit
                .check(&txn, &mut c, "unit_id", campaign.bloc_id, u)
                .await?;
            refs::Kind::Organisation
                .check(&txn, &mut c, "organisation_id", campaign.bloc_id, o)
                .await?;
        }
    }
    let title = c.text("title", &body.title, 300);
    let note = c.opt_long_text("note", body.note.as_deref(), 4_000);
    check_campaign_date(&mut c, "registered_on", &campaign, body.registered_on);
    c.finish()?;
    let now = Utc::now();
    let m = reg::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(campaign.bloc_id),
        campaign_id: Set(campaign.id),
        unit_id: Set(body.unit_id),
        organisation_id: Set(body.organisation_id),
        title: Set(title),
        registered_on: Set(body.registered_on),
        status: Set(RegistrationStatus::Registered.as_str().into()),
        note: Set(note),
        created_by: Set(caller.account_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut out = to_dto(m.clone());
    out.attachments = crate::files::service::attach(
        &txn,
        caller,
        m.bloc_id,
        "attachments",
        &body.attachments,
        (RESOURCE, m.id),
    )
    .await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: m.id,
            bloc_id: Some(m.bloc_id),
            before: None,
            after: Some(&out),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(as_seen_by(&actor, &campaign, out))
}

/// Registrations with the files attached to each.
async fn with_files(
    conn: &impl ConnectionTrait,
    mut dtos: Vec<RegistrationDto>,
) -> Result<Vec<RegistrationDto>, sea_orm::DbErr> {
    crate::files::service::fill_attachments(
        conn,
        &mut dtos,
        |r| r.id,
        |r, files| r.attachments = files,
    )
    .await?;
    Ok(dtos)
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    q: RegistrationQuery,
) -> ApiResult<Page<RegistrationDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Registration)?;
    let limit = pagination::limit(q.limit)?;
    let keyset = Keyset::<reg::Column>::parse(None, q.cursor.as_deref(), &[])?;
    let campaign = service::find(db, caller, campaign_id).await?;
    let actor = Actor::of(db, caller).await?;
    let mut select = tenancy::select::<reg::Entity>(&Scope::of(caller))
        .filter(reg::Column::CampaignId.eq(campaign_id));
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        reg::Column::UpdatedAt,
        reg::Column::Id,
    )?;
    if let Some(s) = q.status {
        select = select.filter(reg::Column::Status.eq(s.as_str()));
    }
    if let Some(u) = q.unit_id {
        select = select.filter(reg::Column::UnitId.eq(u));
    }
    if let Some(o) = q.organisation_id {
        select = select.filter(reg::Column::OrganisationId.eq(o));
    }
    let mut page = keyset
        .fetch(
            db,
            select,
            reg::Column::Id,
            limit,
            |m| (json!(null), m.id),
            |m| as_seen_by(&actor, &campaign, to_dto(m)),
        )
        .await?;
    page.items = with_files(db, page.items).await?;
    Ok(page)
}

async fn find(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    campaign_id: Uuid,
    id: Uuid,
) -> ApiResult<(crate::entities::campaign::Model, reg::Model)> {
    let campaign = service::find(conn, caller, campaign_id).await?;
    let m = tenancy::find_under::<reg::Entity>(
        conn,
        &Scope::of(caller),
        id,
        reg::Column::CampaignId,
        campaign_id,
        "registration",
    )
    .await?;
    Ok((campaign, m))
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id, id = %id))]
pub async fn get(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    id: Uuid,
) -> ApiResult<RegistrationDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Registration)?;
    let (campaign, m) = find(db, caller, campaign_id, id).await?;
    let actor = Actor::of(db, caller).await?;
    let out = with_files(db, vec![to_dto(m)]).await?.remove(0);
    Ok(as_seen_by(&actor, &campaign, out))
}

#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id, id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    campaign_id: Uuid,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateRegistration,
) -> ApiResult<RegistrationDto> {
    let txn = begin_write(db).await?;
    let (campaign, current) = find(&txn, caller, campaign_id, id).await?;
    let actor = Actor::of(&txn, caller).await?;
    let now = status_of(&current);
    let next = body.status.unwrap_or(now);
    policy::authorize(
        &actor,
        Resource::Registration,
        action_for(now, next),
        &led_by(&campaign),
    )?;
    if_match.check(current.version)?;
    closed_is_final(&campaign)?;
    if next != now && !now.allowed_next().contains(&next) {
        return Err(ApiError::illegal_move(
            "registration",
            now.as_str(),
            next.as_str(),
            now.allowed_next().iter().map(|s| s.as_str()),
        ));
    }
    let mut c = Checks::new();
    let mut am: reg::ActiveModel = current.clone().into();
    if let Some(t) = &body.title {
        am.title = Set(c.text("title", t, 300));
    }
    if let Some(n) = &body.note {
        am.note = Set(c.opt_long_text("note", n.as_deref(), 4_000));
    }
    c.finish()?;
    am.status = Set(next.as_str().into());
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, reg::Column::Version, current.version).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(updated.bloc_id),
            before: Some(&to_dto(current)),
            after: Some(&to_dto(updated.clone())),
        },
    )
    .await?;
    let out = with_files(&txn, vec![to_dto(updated)]).await?.remove(0);
    txn.commit().await?;
    Ok(as_seen_by(&actor, &campaign, out))
}
