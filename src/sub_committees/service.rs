use super::dto::{CreateSubCommittee, SubCommitteeDto, SubCommitteeQuery, UpdateSubCommittee};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::sub_committee,
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs, search,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "sub_committee";

fn sort_fields() -> [SortField<sub_committee::Column>; 2] {
    [
        SortField {
            name: "code",
            column: sub_committee::Column::Code,
            kind: Kind::Text,
        },
        SortField {
            name: "name",
            column: sub_committee::Column::Name,
            kind: Kind::Text,
        },
    ]
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: SubCommitteeQuery,
) -> ApiResult<Page<SubCommitteeDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::SubCommittee)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref());
    let mut select = tenancy::select::<sub_committee::Entity>(&scope);
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        sub_committee::Column::UpdatedAt,
        sub_committee::Column::Id,
    )?;
    if let Some(h) = q.head_staff_id {
        select = select.filter(sub_committee::Column::HeadStaffId.eq(h));
    }
    if let Some(cond) = search::matching(
        db,
        RESOURCE,
        &scope,
        q.q.as_deref(),
        sub_committee::Column::Id,
    )
    .await?
    {
        select = select.filter(cond);
    }
    let field = keyset.field_name();
    Ok(keyset
        .fetch(
            db,
            select,
            sub_committee::Column::Id,
            limit,
            |m| {
                let v = match field {
                    Some("code") => json!(m.code),
                    Some("name") => json!(m.name),
                    _ => json!(null),
                };
                (v, m.id)
            },
            SubCommitteeDto::from,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<SubCommitteeDto> {
    crate::policy::may_read(caller, crate::policy::Resource::SubCommittee)?;
    tenancy::find::<sub_committee::Entity>(db, &Scope::of(caller), id, "sub-committee")
        .await
        .map(SubCommitteeDto::from)
}

/// The head of a sub-committee is the bloc head or a deputy head.
/// The head: an active staff member of the bloc, its head or a deputy head.
async fn check_head(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    bloc_id: Uuid,
    id: Option<Uuid>,
) -> Result<(), DbErr> {
    let Some(id) = id else { return Ok(()) };
    if refs::Kind::Staff
        .check(conn, c, "head_staff_id", bloc_id, Some(id))
        .await?
        && let Some(h) = crate::entities::staff::Entity::find_by_id(id)
            .one(conn)
            .await?
        && h.role != "bloc_head"
        && h.role != "deputy_head"
    {
        c.add("head_staff_id", "must be the bloc head or a deputy head");
    }
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateSubCommittee,
) -> ApiResult<SubCommitteeDto> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::SubCommittee,
        Action::Create,
        &Target::default(),
    )?;
    let bloc_id = Scope::of(caller).own_bloc().ok_or_else(|| {
        ApiError::Forbidden("only the bloc's own people create its sub-committees".into())
    })?;
    let mut c = Checks::new();
    let code = refs::code(&mut c, "code", &body.code);
    let name = c.text("name", &body.name, 200);
    let txn = begin_write(db).await?;
    let mandate = c.opt_long_text("mandate", body.mandate.as_deref(), 4000);
    check_head(&txn, &mut c, bloc_id, body.head_staff_id).await?;
    c.finish()?;
    if refs::code_taken::<sub_committee::Entity>(
        &txn,
        bloc_id,
        sub_committee::Column::Code,
        &code,
        None,
    )
    .await?
    {
        return Err(ApiError::conflict(format!(
            "the sub-committee code `{code}` is already used in this bloc"
        )));
    }
    let now = Utc::now();
    let model = sub_committee::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        code: Set(code),
        name: Set(name),
        mandate: Set(mandate),
        head_staff_id: Set(body.head_staff_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    search::index(
        &txn,
        RESOURCE,
        bloc_id,
        model.id,
        &[&model.name, &model.code],
    )
    .await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: model.id,
            bloc_id: Some(bloc_id),
            before: None,
            after: Some(&SubCommitteeDto::from(model.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SubCommitteeDto::from(model))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateSubCommittee,
) -> ApiResult<SubCommitteeDto> {
    let txn = begin_write(db).await?;
    let current =
        tenancy::find::<sub_committee::Entity>(&txn, &Scope::of(caller), id, "sub-committee")
            .await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::SubCommittee,
        Action::Update,
        &Target {
            sub_committee: Some(id),
            ..Default::default()
        },
    )?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    let mut am: sub_committee::ActiveModel = current.clone().into();
    if let Some(raw) = &body.code {
        let code = refs::code(&mut c, "code", raw);
        if c.ok()
            && code != current.code
            && refs::code_taken::<sub_committee::Entity>(
                &txn,
                current.bloc_id,
                sub_committee::Column::Code,
                &code,
                Some(id),
            )
            .await?
        {
            return Err(ApiError::conflict(format!(
                "the sub-committee code `{code}` is already used in this bloc"
            )));
        }
        am.code = Set(code);
    }
    if let Some(n) = &body.name {
        am.name = Set(c.text("name", n, 200));
    }
    if let Some(m) = &body.mandate {
        am.mandate = Set(c.opt_long_text("mandate", m.as_deref(), 4000));
    }
    if let Some(h) = body.head_staff_id {
        check_head(&txn, &mut c, current.bloc_id, h).await?;
        am.head_staff_id = Set(h);
    }
    c.finish()?;
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated =
        save_if_unchanged(&txn, am, sub_committee::Column::Version, current.version).await?;
    search::index(
        &txn,
        RESOURCE,
        updated.bloc_id,
        id,
        &[&updated.name, &updated.code],
    )
    .await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(updated.bloc_id),
            before: Some(&SubCommitteeDto::from(current)),
            after: Some(&SubCommitteeDto::from(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SubCommitteeDto::from(updated))
}
