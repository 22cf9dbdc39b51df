use super::{
    dto::{CreateDirective, DirectiveDto, DirectiveQuery, UpdateDirective},
    number,
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::directive,
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    search,
    tenancy::{self, Scope},
    text,
    validate::Checks,
};
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "directive";

fn sort_fields() -> [SortField<directive::Column>; 3] {
    [
        SortField {
            name: "issued_on",
            column: directive::Column::IssuedOn,
            kind: Kind::Date,
        },
        SortField {
            name: "serial",
            column: directive::Column::Serial,
            kind: Kind::Int,
        },
        SortField {
            name: "created_at",
            column: directive::Column::CreatedAt,
            kind: Kind::Time,
        },
    ]
}

/// The uniqueness key: the folded number and the year it was issued (numbering restarts).
pub fn number_key(n: &number::DirectiveNumber, issued_on: Option<NaiveDate>) -> String {
    let year = n.year.or(issued_on.map(|d| d.year()));
    let folded = text::fold(&n.number).to_ascii_uppercase();
    match year {
        Some(y) => format!("{folded}@{y}"),
        None => folded,
    }
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: DirectiveQuery,
) -> ApiResult<Page<DirectiveDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Directive)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref());
    let mut select = tenancy::select::<directive::Entity>(&scope);
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        directive::Column::UpdatedAt,
        directive::Column::Id,
    )?;
    if let Some(i) = &q.issuer {
        select = select.filter(directive::Column::Issuer.eq(text::clean(i).to_uppercase()));
    }
    if let Some(k) = &q.kind {
        select = select.filter(directive::Column::Kind.eq(k.trim()));
    }
    if let (Some(f), Some(t)) = (q.issued_from, q.issued_to)
        && f > t
    {
        return Err(ApiError::bad_field(
            "issued_from",
            "must not be after issued_to",
        ));
    }
    if let Some(f) = q.issued_from {
        select = select.filter(directive::Column::IssuedOn.gte(f));
    }
    if let Some(t) = q.issued_to {
        select = select.filter(directive::Column::IssuedOn.lte(t));
    }
    if keyset.field_name() == Some("issued_on") {
        select = select.filter(directive::Column::IssuedOn.is_not_null());
    }
    if let Some(cond) =
        search::matching(db, RESOURCE, &scope, q.q.as_deref(), directive::Column::Id).await?
    {
        select = select.filter(cond);
    }
    let field = keyset.field_name();
    Ok(keyset
        .fetch(
            db,
            select,
            directive::Column::Id,
            limit,
            |m| {
                let v = match field {
                    Some("issued_on") => json!(m.issued_on),
                    Some("serial") => json!(m.serial),
                    Some("created_at") => json!(m.created_at),
                    _ => json!(null),
                };
                (v, m.id)
            },
            DirectiveDto::from,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<DirectiveDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Directive)?;
    // A child bloc reads the directive its parent sent it.
    tenancy::find_linked::<directive::Entity>(db, &Scope::of(caller), id, "directive")
        .await
        .map(DirectiveDto::from)
}

async fn taken(
    conn: &impl ConnectionTrait,
    bloc_id: Uuid,
    key: &str,
    except: Option<Uuid>,
) -> Result<bool, sea_orm::DbErr> {
    let mut s = directive::Entity::find()
        .filter(directive::Column::BlocId.eq(bloc_id))
        .filter(directive::Column::NumberKey.eq(key));
    if let Some(id) = except {
        s = s.filter(directive::Column::Id.ne(id));
    }
    Ok(s.one(conn).await?.is_some())
}

fn duplicate(number: &str) -> ApiError {
    ApiError::conflict(format!(
        "the bloc already has directive {number} issued that year"
    ))
}

async fn index(conn: &impl ConnectionTrait, m: &directive::Model) -> Result<(), sea_orm::DbErr> {
    search::index(
        conn,
        RESOURCE,
        m.bloc_id,
        m.id,
        &[&m.number, &m.title, m.summary.as_deref().unwrap_or("")],
    )
    .await
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateDirective,
) -> ApiResult<DirectiveDto> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Directive,
        Action::Create,
        &Target::default(),
    )?;
    let bloc_id = Scope::of(caller).own_bloc().ok_or_else(|| {
        ApiError::Forbidden("only the bloc's own people record its directives".into())
    })?;
    let mut c = Checks::new();
    let parsed = number::parse(&body.number)
        .map_err(|m| c.add("number", m))
        .ok();
    let title = c.text("title", &body.title, 500);
    let summary = c.opt_long_text("summary", body.summary.as_deref(), 10_000);
    c.finish()?;
    let Some(n) = parsed else {
        return Err(ApiError::internal("number parsed"));
    };
    let key = number_key(&n, body.issued_on);
    let txn = begin_write(db).await?;
    if taken(&txn, bloc_id, &key, None).await? {
        return Err(duplicate(&n.number));
    }
    let now = Utc::now();
    let model = directive::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        kind: Set(number::kind_of(&n.doc_type).into()),
        number: Set(n.number),
        number_key: Set(key),
        serial: Set(n.serial),
        doc_type: Set(n.doc_type),
        issuer: Set(n.issuer),
        issued_on: Set(body.issued_on),
        title: Set(title),
        summary: Set(summary),
        created_by: Set(caller.account_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    index(&txn, &model).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: model.id,
            bloc_id: Some(bloc_id),
            before: None,
            after: Some(&DirectiveDto::from(model.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(DirectiveDto::from(model))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateDirective,
) -> ApiResult<DirectiveDto> {
    let txn = begin_write(db).await?;
    let current =
        tenancy::find::<directive::Entity>(&txn, &Scope::of(caller), id, "directive").await?;
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Directive,
        Action::Update,
        &Target::default(),
    )?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    let mut am: directive::ActiveModel = current.clone().into();
    let issued_on = body.issued_on.unwrap_or(current.issued_on);
    let raw_number = body.number.clone().unwrap_or(current.number.clone());
    let parsed = number::parse(&raw_number)
        .map_err(|m| c.add("number", m))
        .ok();
    if let Some(t) = &body.title {
        am.title = Set(c.text("title", t, 500));
    }
    if let Some(s) = &body.summary {
        am.summary = Set(c.opt_long_text("summary", s.as_deref(), 10_000));
    }
    c.finish()?;
    let Some(n) = parsed else {
        return Err(ApiError::internal("number parsed"));
    };
    let key = number_key(&n, issued_on);
    if key != current.number_key && taken(&txn, current.bloc_id, &key, Some(id)).await? {
        return Err(duplicate(&n.number));
    }
    am.kind = Set(number::kind_of(&n.doc_type).into());
    am.number = Set(n.number);
    am.number_key = Set(key);
    am.serial = Set(n.serial);
    am.doc_type = Set(n.doc_type);
    am.issuer = Set(n.issuer);
    am.issued_on = Set(issued_on);
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, directive::Column::Version, current.version).await?;
    index(&txn, &updated).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(updated.bloc_id),
            before: Some(&DirectiveDto::from(current)),
            after: Some(&DirectiveDto::from(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(DirectiveDto::from(updated))
}
