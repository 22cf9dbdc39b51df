use super::dto::{CreateUnit, UnitDto, UnitQuery, UpdateUnit};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::unit,
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs, search,
    tenancy::{self, Scope},
    text,
    validate::Checks,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "unit";

fn sort_fields() -> [SortField<unit::Column>; 3] {
    [
        SortField {
            name: "name",
            column: unit::Column::NameFolded,
            kind: Kind::Text,
        },
        SortField {
            name: "population",
            column: unit::Column::Population,
            kind: Kind::Int,
        },
        SortField {
            name: "households",
            column: unit::Column::Households,
            kind: Kind::Int,
        },
    ]
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: UnitQuery,
) -> ApiResult<Page<UnitDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Unit)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref());
    let mut select = tenancy::select::<unit::Entity>(&scope);
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        unit::Column::UpdatedAt,
        unit::Column::Id,
    )?;
    if let Some(k) = q.kind {
        select = select.filter(unit::Column::Kind.eq(k.as_str()));
    }
    if let Some(p) = q.parent_id {
        select = select.filter(unit::Column::ParentId.eq(p));
    }
    if let Some(s) = q.successor_id {
        select = select.filter(unit::Column::SuccessorId.eq(s));
    }
    match q.current {
        Some(true) => select = select.filter(unit::Column::ValidTo.is_null()),
        Some(false) => select = select.filter(unit::Column::ValidTo.is_not_null()),
        None => {}
    }
    // Keyset on a nullable column would skip rows without a value: sorting by a count lists
    // only units that have it.
    match keyset.field_name() {
        Some("population") => select = select.filter(unit::Column::Population.is_not_null()),
        Some("households") => select = select.filter(unit::Column::Households.is_not_null()),
        _ => {}
    }
    if let Some(cond) =
        search::matching(db, RESOURCE, &scope, q.q.as_deref(), unit::Column::Id).await?
    {
        select = select.filter(cond);
    }
    let field = keyset.field_name();
    Ok(keyset
        .fetch(
            db,
            select,
            unit::Column::Id,
            limit,
            |m| {
                let v = match field {
                    Some("name") => json!(m.name_folded),
                    Some("population") => json!(m.population),
                    Some("households") => json!(m.households),
                    _ => json!(null),
                };
                (v, m.id)
            },
            UnitDto::from,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<UnitDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Unit)?;
    tenancy::find::<unit::Entity>(db, &Scope::of(caller), id, "grassroots unit")
        .await
        .map(UnitDto::from)
}

async fn name_taken(
    conn: &impl ConnectionTrait,
    bloc_id: Uuid,
    parent_id: Option<Uuid>,
    folded: &str,
    except: &[Uuid],
) -> Result<bool, sea_orm::DbErr> {
    // A unit merged away leaves its name to the units that exist.
    let mut s = unit::Entity::find()
        .filter(unit::Column::BlocId.eq(bloc_id))
        .filter(unit::Column::NameFolded.eq(folded))
        .filter(unit::Column::ValidTo.is_null());
    s = match parent_id {
        Some(p) => s.filter(unit::Column::ParentId.eq(p)),
        None => s.filter(unit::Column::ParentId.is_null()),
    };
    if !except.is_empty() {
        s = s.filter(unit::Column::Id.is_not_in(except.iter().copied()));
    }
    Ok(s.one(conn).await?.is_some())
}

fn check_counts(c: &mut Checks, population: Option<i64>, households: Option<i64>) {
    c.non_negative("population", population);
    c.non_negative("households", households);
    if let (Some(p), Some(h)) = (population, households)
        && h > p
    {
        c.add("households", "must not exceed the population");
    }
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateUnit,
) -> ApiResult<UnitDto> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Unit,
        Action::Create,
        &Target::default(),
    )?;
    let bloc_id = Scope::of(caller)
        .own_bloc()
        .ok_or_else(|| ApiError::Forbidden("only the bloc's own people add its units".into()))?;
    let txn = begin_write(db).await?;
    let out = create_in(&txn, caller, bloc_id, body).await?;
    txn.commit().await?;
    Ok(out)
}

/// Adds a unit to `bloc_id` in the caller's transaction; the caller has been authorised.
pub(crate) async fn create_in(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    bloc_id: Uuid,
    body: CreateUnit,
) -> ApiResult<UnitDto> {
    open_in(txn, caller, bloc_id, body, None).await
}

/// A unit opened by a merger: its id (the merged units already point at it), the day and the
/// decision.
pub(super) struct Opened<'a> {
    pub id: Uuid,
    pub on: chrono::NaiveDate,
    pub decision: &'a str,
}

/// As [`create_in`], for a unit opened on a day by a decision (a merger).
pub(super) async fn open_in(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    bloc_id: Uuid,
    body: CreateUnit,
    opened: Option<Opened<'_>>,
) -> ApiResult<UnitDto> {
    let mut c = Checks::new();
    let name = c.text("name", &body.name, 200);
    let code = c.opt_text("code", body.code.as_deref(), 20);
    check_counts(&mut c, body.population, body.households);
    refs::Kind::Unit
        .check(txn, &mut c, "parent_id", bloc_id, body.parent_id)
        .await?;
    c.finish()?;
    let folded = text::fold(&name);
    if name_taken(txn, bloc_id, body.parent_id, &folded, &[]).await? {
        return Err(ApiError::conflict(format!(
            "a unit named `{name}` already exists there"
        )));
    }
    let now = Utc::now();
    let model = unit::ActiveModel {
        id: Set(opened.as_ref().map_or_else(Uuid::now_v7, |o| o.id)),
        bloc_id: Set(bloc_id),
        name: Set(name),
        name_folded: Set(folded),
        kind: Set(body.kind.as_str().into()),
        parent_id: Set(body.parent_id),
        population: Set(body.population),
        households: Set(body.households),
        code: Set(code),
        valid_from: Set(opened.as_ref().map(|o| o.on)),
        valid_to: Set(None),
        successor_id: Set(None),
        merger_decision: Set(opened.as_ref().map(|o| o.decision.to_string())),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    search::index(txn, RESOURCE, bloc_id, model.id, &[&model.name]).await?;
    audit::log_and_announce(
        txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: model.id,
            bloc_id: Some(bloc_id),
            before: None,
            after: Some(&UnitDto::from(model.clone())),
        },
    )
    .await?;
    Ok(UnitDto::from(model))
}

/// True when `candidate` is `id` or lies below it: making it the parent would close a loop.
async fn is_self_or_descendant(
    conn: &impl ConnectionTrait,
    id: Uuid,
    candidate: Uuid,
) -> Result<bool, sea_orm::DbErr> {
    let mut cursor = Some(candidate);
    let mut hops = 0;
    while let Some(at) = cursor {
        if at == id {
            return Ok(true);
        }
        hops += 1;
        if hops > 64 {
            return Ok(true);
        }
        cursor = unit::Entity::find_by_id(at)
            .one(conn)
            .await?
            .and_then(|u| u.parent_id);
    }
    Ok(false)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateUnit,
) -> ApiResult<UnitDto> {
    let txn = begin_write(db).await?;
    let current =
        tenancy::find::<unit::Entity>(&txn, &Scope::of(caller), id, "grassroots unit").await?;
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Unit,
        Action::Update,
        &Target::default(),
    )?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    let mut am: unit::ActiveModel = current.clone().into();
    let mut name = current.name.clone();
    if let Some(n) = &body.name {
        name = c.text("name", n, 200);
    }
    let mut parent = current.parent_id;
    if let Some(p) = body.parent_id {
        if let Some(pid) = p
            && refs::Kind::Unit
                .check(&txn, &mut c, "parent_id", current.bloc_id, Some(pid))
                .await?
            && is_self_or_descendant(&txn, id, pid).await?
        {
            c.add("parent_id", "would put the unit inside itself");
        }
        parent = p;
    }
    let population = body.population.unwrap_or(current.population);
    let households = body.households.unwrap_or(current.households);
    check_counts(&mut c, population, households);
    c.finish()?;
    let folded = text::fold(&name);
    if (folded != current.name_folded || parent != current.parent_id)
        && name_taken(&txn, current.bloc_id, parent, &folded, &[id]).await?
    {
        return Err(ApiError::conflict(format!(
            "a unit named `{name}` already exists there"
        )));
    }
    am.name = Set(name);
    am.name_folded = Set(folded);
    am.parent_id = Set(parent);
    if let Some(k) = body.kind {
        am.kind = Set(k.as_str().into());
    }
    am.population = Set(population);
    am.households = Set(households);
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, unit::Column::Version, current.version).await?;
    search::index(&txn, RESOURCE, updated.bloc_id, id, &[&updated.name]).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(updated.bloc_id),
            before: Some(&UnitDto::from(current)),
            after: Some(&UnitDto::from(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(UnitDto::from(updated))
}
