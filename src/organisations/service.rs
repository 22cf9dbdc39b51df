use super::dto::{CreateOrganisation, OrganisationDto, OrganisationQuery, UpdateOrganisation};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::organisation,
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs, search,
    tenancy::{self, Scope},
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "organisation";

fn sort_fields() -> [SortField<organisation::Column>; 2] {
    [
        SortField {
            name: "code",
            column: organisation::Column::Code,
            kind: Kind::Text,
        },
        SortField {
            name: "name",
            column: organisation::Column::Name,
            kind: Kind::Text,
        },
    ]
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: OrganisationQuery,
) -> ApiResult<Page<OrganisationDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Organisation)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref());
    let mut select = tenancy::select::<organisation::Entity>(&scope);
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        organisation::Column::UpdatedAt,
        organisation::Column::Id,
    )?;
    if let Some(k) = q.kind {
        select = select.filter(organisation::Column::Kind.eq(k.as_str()));
    }
    if let Some(h) = q.head_staff_id {
        select = select.filter(organisation::Column::HeadStaffId.eq(h));
    }
    if let Some(cond) = search::matching(
        db,
        RESOURCE,
        &scope,
        q.q.as_deref(),
        organisation::Column::Id,
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
            organisation::Column::Id,
            limit,
            |m| {
                let v = match field {
                    Some("code") => json!(m.code),
                    Some("name") => json!(m.name),
                    _ => json!(null),
                };
                (v, m.id)
            },
            OrganisationDto::from,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<OrganisationDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Organisation)?;
    tenancy::find::<organisation::Entity>(db, &Scope::of(caller), id, "organisation")
        .await
        .map(OrganisationDto::from)
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateOrganisation,
) -> ApiResult<OrganisationDto> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Organisation,
        Action::Create,
        &Target::default(),
    )?;
    let bloc_id = Scope::of(caller).own_bloc().ok_or_else(|| {
        ApiError::Forbidden("only the bloc's own people create its organisations".into())
    })?;
    let mut c = Checks::new();
    let code = refs::code(&mut c, "code", &body.code);
    let name = c.text("name", &body.name, 200);
    let txn = begin_write(db).await?;
    refs::Kind::Staff
        .check(&txn, &mut c, "head_staff_id", bloc_id, body.head_staff_id)
        .await?;
    c.finish()?;
    if refs::code_taken::<organisation::Entity>(
        &txn,
        bloc_id,
        organisation::Column::Code,
        &code,
        None,
    )
    .await?
    {
        return Err(ApiError::conflict(format!(
            "the organisation code `{code}` is already used in this bloc"
        )));
    }
    let now = Utc::now();
    let model = organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        code: Set(code),
        name: Set(name),
        kind: Set(body.kind.as_str().into()),
        head_staff_id: Set(body.head_staff_id),
        member_body: Set(body.member_body),
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
            after: Some(&OrganisationDto::from(model.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(OrganisationDto::from(model))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateOrganisation,
) -> ApiResult<OrganisationDto> {
    let txn = begin_write(db).await?;
    let current =
        tenancy::find::<organisation::Entity>(&txn, &Scope::of(caller), id, "organisation").await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Organisation,
        Action::Update,
        &Target {
            organisation: Some(id),
            ..Default::default()
        },
    )?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    let mut am: organisation::ActiveModel = current.clone().into();
    if let Some(raw) = &body.code {
        let code = refs::code(&mut c, "code", raw);
        if c.ok()
            && code != current.code
            && refs::code_taken::<organisation::Entity>(
                &txn,
                current.bloc_id,
                organisation::Column::Code,
                &code,
                Some(id),
            )
            .await?
        {
            return Err(ApiError::conflict(format!(
                "the organisation code `{code}` is already used in this bloc"
            )));
        }
        am.code = Set(code);
    }
    if let Some(n) = &body.name {
        am.name = Set(c.text("name", n, 200));
    }
    if let Some(b) = body.member_body {
        am.member_body = Set(b);
    }
    if let Some(k) = body.kind {
        am.kind = Set(k.as_str().into());
    }
    if let Some(h) = body.head_staff_id {
        refs::Kind::Staff
            .check(&txn, &mut c, "head_staff_id", current.bloc_id, h)
            .await?;
        am.head_staff_id = Set(h);
    }
    c.finish()?;
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated =
        save_if_unchanged(&txn, am, organisation::Column::Version, current.version).await?;
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
            before: Some(&OrganisationDto::from(current)),
            after: Some(&OrganisationDto::from(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(OrganisationDto::from(updated))
}
