use super::{
    dto::{NewProvince, ProvinceDto, ProvinceQuery, UpdateProvince},
    reference::{PROVINCES, SINCE, id_of},
};
use crate::{
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{account, api_client, bloc, province},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Page},
    policy::{self, Action, Actor, Resource, Target},
    text,
    validate::Checks,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "province";

fn admin_only(caller: &Caller, action: Action) -> ApiResult<()> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Province,
        action,
        &Target::default(),
    )
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: ProvinceQuery,
) -> ApiResult<Page<ProvinceDto>> {
    policy::may_read(caller, Resource::Province)?;
    let limit = pagination::limit(q.limit)?;
    let keyset = Keyset::<province::Column>::parse(None, q.cursor.as_deref(), &[])?;
    let mut select = province::Entity::find();
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        province::Column::UpdatedAt,
        province::Column::Id,
    )?;
    let today = crate::clock::today();
    match q.current {
        Some(true) => {
            select = select.filter(
                sea_orm::Condition::any()
                    .add(province::Column::ValidTo.is_null())
                    .add(province::Column::ValidTo.gte(today)),
            )
        }
        Some(false) => select = select.filter(province::Column::ValidTo.lt(today)),
        None => {}
    }
    if let Some(words) = q.q.as_deref().map(|w| text::fold(&text::clean(w))) {
        for w in words.split_whitespace() {
            select = select.filter(province::Column::NameFolded.contains(w));
        }
    }
    Ok(keyset
        .fetch(
            db,
            select,
            province::Column::Id,
            limit,
            |m| (json!(null), m.id),
            ProvinceDto::from,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<ProvinceDto> {
    policy::may_read(caller, Resource::Province)?;
    province::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(ProvinceDto::from)
        .ok_or_else(|| ApiError::not_found("province"))
}

fn check_code(c: &mut Checks, code: Option<&str>) -> Option<String> {
    let code = code.map(str::trim).filter(|s| !s.is_empty())?;
    if code.len() != 2 || !code.chars().all(|d| d.is_ascii_digit()) {
        c.add("code", "must be two digits (Decision 19/2025/QĐ-TTg)");
    }
    Some(code.to_string())
}

fn check_span(c: &mut Checks, from: Option<NaiveDate>, to: Option<NaiveDate>) {
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        c.add("valid_to", "must not be before valid_from");
    }
}

async fn code_taken(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    code: Option<&str>,
    except: Option<Uuid>,
) -> Result<(), DbErr> {
    if let Some(code) = code {
        let mut q = province::Entity::find().filter(province::Column::Code.eq(code));
        if let Some(id) = except {
            q = q.filter(province::Column::Id.ne(id));
        }
        if q.one(conn).await?.is_some() {
            c.add("code", "is another province's code");
        }
    }
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: NewProvince,
) -> ApiResult<ProvinceDto> {
    admin_only(caller, Action::Create)?;
    let mut c = Checks::new();
    let name = c.text("name", &body.name, 100);
    let full_name = match body.full_name.as_deref() {
        Some(f) => c.text("full_name", f, 120),
        None => name.clone(),
    };
    let code = check_code(&mut c, body.code.as_deref());
    check_span(&mut c, body.valid_from, body.valid_to);
    let txn = begin_write(db).await?;
    let folded = text::fold(&name);
    if !name.is_empty()
        && province::Entity::find()
            .filter(province::Column::NameFolded.eq(folded.clone()))
            .one(&txn)
            .await?
            .is_some()
    {
        c.add("name", "a province of this name exists");
    }
    code_taken(&txn, &mut c, code.as_deref(), None).await?;
    c.finish()?;
    let now = Utc::now();
    let m = province::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code),
        name: Set(name),
        name_folded: Set(folded),
        full_name: Set(full_name),
        valid_from: Set(body.valid_from),
        valid_to: Set(body.valid_to),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let dto = ProvinceDto::from(m);
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: dto.id,
            bloc_id: None,
            before: None,
            after: Some(&dto),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(dto)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateProvince,
) -> ApiResult<ProvinceDto> {
    admin_only(caller, Action::Update)?;
    let txn = begin_write(db).await?;
    let current = province::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("province"))?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    let mut am: province::ActiveModel = current.clone().into();
    if let Some(f) = &body.full_name {
        am.full_name = Set(c.text("full_name", f, 120));
    }
    if let Some(code) = &body.code {
        let code = check_code(&mut c, code.as_deref());
        code_taken(&txn, &mut c, code.as_deref(), Some(id)).await?;
        am.code = Set(code);
    }
    let from = body.valid_from.unwrap_or(current.valid_from);
    let to = body.valid_to.unwrap_or(current.valid_to);
    check_span(&mut c, from, to);
    c.finish()?;
    am.valid_from = Set(from);
    am.valid_to = Set(to);
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, province::Column::Version, current.version).await?;
    let after = ProvinceDto::from(updated);
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: None,
            before: Some(&ProvinceDto::from(current)),
            after: Some(&after),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The province a write names, by `province_id` or by name (case and diacritics ignored), or a
/// problem on the field given. `None` when neither is given.
pub async fn resolve(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    id: Option<Uuid>,
    name: Option<&str>,
) -> Result<Option<province::Model>, DbErr> {
    if let Some(id) = id {
        let found = province::Entity::find_by_id(id).one(conn).await?;
        if found.is_none() {
            c.add("province_id", "no such province; see /provinces");
        } else if let (Some(n), Some(p)) = (name, &found)
            && text::fold(&text::clean(n)) != p.name_folded
        {
            c.add(
                "province",
                format!("is not the province of province_id, {}", p.name),
            );
        }
        return Ok(found);
    }
    let Some(name) = name else { return Ok(None) };
    let found = province::Entity::find()
        .filter(province::Column::NameFolded.eq(text::fold(&text::clean(name))))
        .one(conn)
        .await?;
    if found.is_none() {
        c.add(
            "province",
            "no such province; see /provinces (give its name or province_id)",
        );
    }
    Ok(found)
}

/// Writes the reference provinces that are missing (never overwriting the admin's changes),
/// then links every bloc, portal account and API client still named by province only: a
/// name that matches no record becomes a record of its own, so no history is lost. Run at
/// start, after the migrations; safe to run again and on several instances at once.
pub async fn sync(db: &DatabaseConnection) -> Result<(), DbErr> {
    let now = Utc::now();
    let txn = begin_write(db)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    for p in &PROVINCES {
        let m = province::ActiveModel {
            id: Set(id_of(p.n)),
            code: Set(p.code.map(str::to_string)),
            name: Set(p.name.into()),
            name_folded: Set(text::fold(p.name)),
            full_name: Set(p.full_name.into()),
            valid_from: Set(Some(SINCE)),
            valid_to: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let inserted = province::Entity::insert(m)
            .on_conflict_do_nothing()
            .exec(&txn)
            .await?;
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(_))
            && let Some(m) = province::Entity::find_by_id(id_of(p.n)).one(&txn).await?
        {
            announce(&txn, m).await?;
        }
    }
    txn.commit().await?;
    let mut names: Vec<String> = Vec::new();
    for b in bloc::Entity::find()
        .filter(bloc::Column::ProvinceId.is_null())
        .all(db)
        .await?
    {
        names.push(b.province);
    }
    for a in account::Entity::find()
        .filter(account::Column::ProvinceId.is_null())
        .filter(account::Column::Province.is_not_null())
        .all(db)
        .await?
    {
        names.extend(a.province);
    }
    for k in api_client::Entity::find()
        .filter(api_client::Column::ProvinceId.is_null())
        .all(db)
        .await?
    {
        names.push(k.province);
    }
    // Each name once, however many blocs, accounts and clients carry it.
    let names: std::collections::BTreeMap<String, String> = names
        .into_iter()
        .map(|n| (text::fold(&text::clean(&n)), n))
        .collect();
    for (folded, name) in names {
        let p = match province::Entity::find()
            .filter(province::Column::NameFolded.eq(folded.clone()))
            .one(db)
            .await?
        {
            Some(p) => p,
            None => {
                let inserted = province::Entity::insert(province::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    code: Set(None),
                    name: Set(text::clean(&name)),
                    name_folded: Set(folded.clone()),
                    full_name: Set(text::clean(&name)),
                    valid_from: Set(None),
                    valid_to: Set(None),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .on_conflict_do_nothing()
                .exec(db)
                .await?;
                let m = province::Entity::find()
                    .filter(province::Column::NameFolded.eq(folded.clone()))
                    .one(db)
                    .await?
                    .ok_or_else(|| DbErr::RecordNotFound("province".into()))?;
                if matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
                    announce(db, m.clone()).await?;
                }
                m
            }
        };
        link(db, &p, &folded).await?;
    }
    Ok(())
}

async fn announce(conn: &impl ConnectionTrait, m: province::Model) -> Result<(), DbErr> {
    let dto = ProvinceDto::from(m);
    audit::log_and_announce_by_system(
        conn,
        audit::Entry {
            action: "create",
            resource_type: RESOURCE,
            resource_id: dto.id,
            bloc_id: None,
            before: None,
            after: serde_json::to_value(&dto).ok(),
        },
    )
    .await
}

async fn link(db: &DatabaseConnection, p: &province::Model, folded: &str) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    bloc::Entity::update_many()
        .col_expr(bloc::Column::ProvinceId, Expr::value(p.id))
        .filter(bloc::Column::ProvinceId.is_null())
        .filter(bloc::Column::ProvinceFolded.eq(folded))
        .exec(db)
        .await?;
    // Accounts and clients keep no folded name: compare each.
    for a in account::Entity::find()
        .filter(account::Column::ProvinceId.is_null())
        .filter(account::Column::Province.is_not_null())
        .all(db)
        .await?
    {
        if a.province
            .as_deref()
            .map(|n| text::fold(&text::clean(n)))
            .as_deref()
            == Some(folded)
        {
            account::Entity::update_many()
                .col_expr(account::Column::ProvinceId, Expr::value(p.id))
                .filter(account::Column::Id.eq(a.id))
                .exec(db)
                .await?;
        }
    }
    for k in api_client::Entity::find()
        .filter(api_client::Column::ProvinceId.is_null())
        .all(db)
        .await?
    {
        if text::fold(&text::clean(&k.province)) == folded {
            api_client::Entity::update_many()
                .col_expr(api_client::Column::ProvinceId, Expr::value(p.id))
                .filter(api_client::Column::Id.eq(k.id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// The migrations, then the reference data they make room for.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    crate::db::migrate(db).await?;
    sync(db).await
}
