//! Campaigns and their targets: rules and queries.
use super::dto::{CampaignDto, CampaignQuery, CampaignStatus, CreateCampaign, UpdateCampaign};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{campaign, campaign_measurement, campaign_organisation, campaign_target},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs, search,
    tenancy::{self, Scope},
    text,
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "campaign";
const MAX_PARTICIPANTS: usize = 20;
/// Figures beyond this lose whole-number precision in a double.
pub const MAX_FIGURE: f64 = 1e15;

fn sort_fields() -> [SortField<campaign::Column>; 2] {
    [
        SortField {
            name: "start_on",
            column: campaign::Column::StartOn,
            kind: Kind::Date,
        },
        SortField {
            name: "created_at",
            column: campaign::Column::CreatedAt,
            kind: Kind::Time,
        },
    ]
}

pub fn status_of(m: &campaign::Model) -> CampaignStatus {
    CampaignStatus::parse(&m.status).unwrap_or(CampaignStatus::Planned)
}

pub use super::view::{as_seen_by, dto, dtos, task_counts};

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: CampaignQuery,
) -> ApiResult<Page<CampaignDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Campaign)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref());
    let mut select = tenancy::select::<campaign::Entity>(&scope);
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        campaign::Column::UpdatedAt,
        campaign::Column::Id,
    )?;
    if let Some(s) = q.status {
        select = select.filter(campaign::Column::Status.eq(s.as_str()));
    }
    if let Some(k) = q.kind {
        select = select.filter(campaign::Column::Kind.eq(k.as_str()));
    }
    if let Some(o) = q.lead_organisation_id {
        select = select.filter(campaign::Column::LeadOrganisationId.eq(o));
    }
    if let Some(d) = q.running_on {
        select = select
            .filter(campaign::Column::StartOn.lte(d))
            .filter(campaign::Column::EndOn.gte(d));
    }
    if let Some(cond) =
        search::matching(db, RESOURCE, &scope, q.q.as_deref(), campaign::Column::Id).await?
    {
        select = select.filter(cond);
    }
    let field = keyset.field_name();
    let rows = keyset
        .apply(select, campaign::Column::Id, limit)
        .all(db)
        .await?;
    // Task counts and participants are read for the extra row too: one row more, no second
    // pass over the page.
    let actor = Actor::of(db, caller).await?;
    let items = dtos(db, rows)
        .await?
        .into_iter()
        .map(|d| as_seen_by(&actor, d))
        .collect();
    Ok(keyset.finish(items, limit, key_of(field), |d| d))
}

fn key_of(field: Option<&str>) -> impl Fn(&CampaignDto) -> (serde_json::Value, Uuid) {
    move |m| {
        let v = match field {
            Some("start_on") => json!(m.start_on),
            Some("created_at") => json!(m.created_at),
            _ => json!(null),
        };
        (v, m.id)
    }
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn find(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<campaign::Model> {
    tenancy::find::<campaign::Entity>(conn, &Scope::of(caller), id, "campaign").await
}

/// A campaign the caller may read: its bloc's own, one cascaded from it to a child bloc, or the
/// parent's campaign its bloc joined.
pub async fn find_readable(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<campaign::Model> {
    tenancy::find_linked::<campaign::Entity>(conn, &Scope::of(caller), id, "campaign").await
}

/// The campaign's leaders: the bloc head, and the deputy who leads its lead organisation.
pub fn led_by(m: &campaign::Model) -> Target {
    Target {
        organisation: Some(m.lead_organisation_id),
        ..Default::default()
    }
}

pub(super) async fn index(conn: &impl ConnectionTrait, m: &campaign::Model) -> Result<(), DbErr> {
    search::index(
        conn,
        RESOURCE,
        m.bloc_id,
        m.id,
        &[&m.name, m.description.as_deref().unwrap_or("")],
    )
    .await
}

async fn name_taken(
    conn: &impl ConnectionTrait,
    bloc_id: Uuid,
    folded: &str,
    except: Option<Uuid>,
) -> Result<bool, DbErr> {
    refs::code_taken::<campaign::Entity>(
        conn,
        bloc_id,
        campaign::Column::NameFolded,
        folded,
        except,
    )
    .await
}

async fn check_participants(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    bloc_id: Uuid,
    lead: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, DbErr> {
    if let Some(i) = ids.iter().position(|id| *id == lead) {
        c.add(
            &format!("participating_organisation_ids[{i}]"),
            "the lead organisation is not also a participant",
        );
    }
    refs::list_in_bloc(
        conn,
        c,
        "participating_organisation_ids",
        bloc_id,
        ids,
        MAX_PARTICIPANTS,
        refs::Kind::Organisation,
    )
    .await
}

async fn set_participants(
    conn: &impl ConnectionTrait,
    m: &campaign::Model,
    ids: &[Uuid],
) -> Result<(), DbErr> {
    crate::db::replace_links(
        conn,
        campaign_organisation::Column::CampaignId,
        m.id,
        ids,
        |id| campaign_organisation::ActiveModel {
            campaign_id: Set(m.id),
            organisation_id: Set(id),
            bloc_id: Set(m.bloc_id),
        },
    )
    .await
}

fn check_dates(c: &mut Checks, start: NaiveDate, end: NaiveDate) {
    if end < start {
        c.add("end_on", "must not be before start_on");
    }
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateCampaign,
) -> ApiResult<CampaignDto> {
    let bloc_id = Scope::of(caller).own_bloc().ok_or_else(|| {
        ApiError::Forbidden("only the bloc's own people run its campaigns".into())
    })?;
    let txn = begin_write(db).await?;
    let actor = Actor::of(&txn, caller).await?;
    let mut c = Checks::new();
    let name = c.text("name", &body.name, 300);
    let description = c.opt_long_text("description", body.description.as_deref(), 10_000);
    refs::Kind::Organisation
        .check(
            &txn,
            &mut c,
            "lead_organisation_id",
            bloc_id,
            Some(body.lead_organisation_id),
        )
        .await?;
    let parts = check_participants(
        &txn,
        &mut c,
        bloc_id,
        body.lead_organisation_id,
        &body.participating_organisation_ids,
    )
    .await?;
    check_dates(&mut c, body.start_on, body.end_on);
    c.finish()?;
    let lead = body.lead_organisation_id;
    policy::authorize(
        &actor,
        Resource::Campaign,
        Action::Create,
        &Target {
            organisation: Some(lead),
            ..Default::default()
        },
    )?;
    let folded = text::fold(&name);
    if name_taken(&txn, bloc_id, &folded, None).await? {
        return Err(ApiError::conflict(format!(
            "the bloc already has a campaign named {name}"
        )));
    }
    let now = Utc::now();
    let m = campaign::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        name: Set(name),
        name_folded: Set(folded),
        kind: Set(body.kind.as_str().into()),
        description: Set(description),
        lead_organisation_id: Set(lead),
        start_on: Set(body.start_on),
        end_on: Set(body.end_on),
        status: Set(body
            .status
            .unwrap_or(CampaignStatus::Planned)
            .as_str()
            .into()),
        created_by: Set(caller.account_id),
        parent_campaign_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    set_participants(&txn, &m, &parts).await?;
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
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<CampaignDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Campaign)?;
    let m = find_readable(db, caller, id).await?;
    let actor = Actor::of(db, caller).await?;
    let mut d = as_seen_by(&actor, dto(db, m).await?);
    // Another bloc's campaign, read across levels: nothing the caller may do to it.
    if Scope::of(caller).own_bloc().is_some_and(|b| b != d.bloc_id) {
        d.allowed_statuses.clear();
    }
    Ok(d)
}

/// The earliest and latest dates the campaign's figures, registrations and targets use: its
/// dates may not shrink past them.
async fn dates_in_use(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(NaiveDate, NaiveDate)>, DbErr> {
    let mut dates: Vec<NaiveDate> = campaign_measurement::Entity::find()
        .select_only()
        .column(campaign_measurement::Column::AsOf)
        .filter(campaign_measurement::Column::CampaignId.eq(id))
        .into_tuple()
        .all(conn)
        .await?;
    dates.extend(
        campaign_target::Entity::find()
            .filter(campaign_target::Column::CampaignId.eq(id))
            .all(conn)
            .await?
            .into_iter()
            .map(|t| t.deadline),
    );
    dates.extend(
        crate::entities::campaign_registration::Entity::find()
            .select_only()
            .column(crate::entities::campaign_registration::Column::RegisteredOn)
            .filter(crate::entities::campaign_registration::Column::CampaignId.eq(id))
            .into_tuple::<NaiveDate>()
            .all(conn)
            .await?,
    );
    Ok(dates.iter().min().copied().zip(dates.iter().max().copied()))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateCampaign,
) -> ApiResult<CampaignDto> {
    let txn = begin_write(db).await?;
    let current = find(&txn, caller, id).await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Campaign,
        Action::Update,
        &led_by(&current),
    )?;
    if_match.check(current.version)?;
    let before = dto(&txn, current.clone()).await?;
    let mut c = Checks::new();
    let mut am: campaign::ActiveModel = current.clone().into();
    let mut name = current.name.clone();
    if let Some(n) = &body.name {
        name = c.text("name", n, 300);
        am.name = Set(name.clone());
        am.name_folded = Set(text::fold(&name));
    }
    if let Some(k) = body.kind {
        am.kind = Set(k.as_str().into());
    }
    if let Some(d) = &body.description {
        am.description = Set(c.opt_long_text("description", d.as_deref(), 10_000));
    }
    let lead = body
        .lead_organisation_id
        .unwrap_or(current.lead_organisation_id);
    if lead != current.lead_organisation_id {
        refs::Kind::Organisation
            .check(
                &txn,
                &mut c,
                "lead_organisation_id",
                current.bloc_id,
                Some(lead),
            )
            .await?;
        am.lead_organisation_id = Set(lead);
    }
    let parts = match &body.participating_organisation_ids {
        Some(ids) => Some(check_participants(&txn, &mut c, current.bloc_id, lead, ids).await?),
        None => {
            let mut ids = before.participating_organisation_ids.clone();
            if ids.contains(&lead) {
                // The new lead stops being a mere participant.
                ids.retain(|o| *o != lead);
                Some(ids)
            } else {
                None
            }
        }
    };
    let start = body.start_on.unwrap_or(current.start_on);
    let end = body.end_on.unwrap_or(current.end_on);
    check_dates(&mut c, start, end);
    if (start, end) != (current.start_on, current.end_on)
        && let Some((first, last)) = dates_in_use(&txn, id).await?
    {
        if start > first {
            c.add(
                "start_on",
                format!("the campaign already has figures, targets or registrations dated {first}"),
            );
        }
        if end < last {
            c.add(
                "end_on",
                format!("the campaign already has figures, targets or registrations dated {last}"),
            );
        }
    }
    am.start_on = Set(start);
    am.end_on = Set(end);
    c.finish()?;
    // Handing the campaign to another organisation takes the right to run that one too.
    if lead != current.lead_organisation_id {
        policy::authorize(
            &actor,
            Resource::Campaign,
            Action::Update,
            &Target {
                organisation: Some(lead),
                ..Default::default()
            },
        )?;
    }
    if let Some(next) = body.status {
        let now = status_of(&current);
        if next != now && !now.allowed_next().contains(&next) {
            return Err(ApiError::illegal_move(
                "campaign",
                now.as_str(),
                next.as_str(),
                now.allowed_next().iter().map(|s| s.as_str()),
            ));
        }
        am.status = Set(next.as_str().into());
    }
    if body.name.is_some()
        && name_taken(&txn, current.bloc_id, &text::fold(&name), Some(id)).await?
    {
        return Err(ApiError::conflict(format!(
            "the bloc already has a campaign named {name}"
        )));
    }
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, campaign::Column::Version, current.version).await?;
    if let Some(p) = parts {
        set_participants(&txn, &updated, &p).await?;
    }
    index(&txn, &updated).await?;
    let after = dto(&txn, updated).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(current.bloc_id),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(as_seen_by(&actor, after))
}

// ---- targets ----

pub fn closed_is_final(campaign: &campaign::Model) -> ApiResult<()> {
    if status_of(campaign) == CampaignStatus::Closed {
        return Err(ApiError::Conflict {
            detail: "the campaign is closed; reopen it (status active) to change it".into(),
            allowed: None,
        });
    }
    Ok(())
}
