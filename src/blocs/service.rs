use super::dto::{
    BlocDto, BlocQuery, CreateBloc, CreatedBloc, Level, NewHead, OpenedHead, UpdateBloc,
};
use crate::{
    accounts::dto::CreateAccount,
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::bloc,
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    search,
    staff::dto::{CreateStaff, StaffRole},
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

pub const RESOURCE: &str = "bloc";

fn sort_fields() -> [SortField<bloc::Column>; 2] {
    [
        SortField {
            name: "name",
            column: bloc::Column::NameFolded,
            kind: Kind::Text,
        },
        SortField {
            name: "created_at",
            column: bloc::Column::CreatedAt,
            kind: Kind::Time,
        },
    ]
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: BlocQuery,
) -> ApiResult<Page<BlocDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Bloc)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller);
    let mut select = tenancy::select::<bloc::Entity>(&scope);
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        bloc::Column::UpdatedAt,
        bloc::Column::Id,
    )?;
    if let Some(l) = q.level {
        select = select.filter(bloc::Column::Level.eq(l.as_str()));
    }
    if let Some(p) = q.parent_id {
        select = select.filter(bloc::Column::ParentId.eq(p));
    }
    if let Some(p) = &q.province {
        select = select.filter(bloc::Column::ProvinceFolded.eq(text::fold(&text::clean(p))));
    }
    if let Some(cond) =
        search::matching(db, RESOURCE, &scope, q.q.as_deref(), bloc::Column::Id).await?
    {
        select = select.filter(cond);
    }
    let field = keyset.field_name();
    Ok(keyset
        .fetch(
            db,
            select,
            bloc::Column::Id,
            limit,
            |m| {
                let v = match field {
                    Some("name") => json!(m.name_folded),
                    Some("created_at") => json!(m.created_at),
                    _ => json!(null),
                };
                (v, m.id)
            },
            BlocDto::from,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<BlocDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Bloc)?;
    tenancy::find::<bloc::Entity>(db, &Scope::of(caller), id, "bloc")
        .await
        .map(BlocDto::from)
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateBloc,
) -> ApiResult<CreatedBloc> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Bloc,
        Action::Create,
        &Target::default(),
    )?;
    let mut c = Checks::new();
    let name = c.text("name", &body.name, 200);
    let founding_decision = c.opt_text("founding_decision", body.founding_decision.as_deref(), 100);
    let province_in = c.opt_text("province", body.province.as_deref(), 100);
    if body.level == Level::District
        && body
            .established_on
            .is_none_or(|d| d >= crate::provinces::reference::SINCE)
    {
        c.add(
            "level",
            "district blocs ended with the districts on 2025-07-01: open a province or commune \
             bloc, or give the earlier `established_on` of a district bloc kept for history",
        );
    }
    let txn = begin_write(db).await?;
    let named =
        crate::provinces::service::resolve(&txn, &mut c, body.province_id, province_in.as_deref())
            .await?;
    let mut province = named.clone();
    if let Some(parent_id) = body.parent_id {
        match bloc::Entity::find_by_id(parent_id).one(&txn).await? {
            None => c.add("parent_id", "no such bloc"),
            Some(parent) => {
                let parent_level = Level::parse(&parent.level).unwrap_or(Level::Province);
                if !body.level.may_have_parent(parent_level) {
                    c.add(
                        "parent_id",
                        format!(
                            "a {} bloc cannot sit under a {} bloc",
                            body.level.as_str(),
                            parent.level
                        ),
                    );
                }
                match &named {
                    Some(p) if p.name_folded != parent.province_folded => c.add(
                        if body.province_id.is_some() {
                            "province_id"
                        } else {
                            "province"
                        },
                        format!("must be the parent's province, {}", parent.province),
                    ),
                    Some(_) => {}
                    None => {
                        province = match parent.province_id {
                            Some(id) => {
                                crate::entities::province::Entity::find_by_id(id)
                                    .one(&txn)
                                    .await?
                            }
                            None => None,
                        };
                    }
                }
            }
        }
    }
    // No province named nor inherited, and no other problem that says why.
    if province.is_none() && c.ok() {
        c.add("province", "is required when there is no parent bloc");
    }
    c.finish()?;
    let province = province.ok_or_else(|| ApiError::internal("province checked"))?;
    let now = Utc::now();
    let model = bloc::ActiveModel {
        id: Set(Uuid::now_v7()),
        name_folded: Set(text::fold(&name)),
        name: Set(name),
        level: Set(body.level.as_str().into()),
        parent_id: Set(body.parent_id),
        province_folded: Set(province.name_folded),
        province: Set(province.name),
        province_id: Set(Some(province.id)),
        established_on: Set(body.established_on),
        founding_decision: Set(founding_decision),
        dissolved_on: Set(None),
        successor_id: Set(None),
        dissolution_decision: Set(None),
        due_soon_days: Set(crate::notifications::service::DEFAULT_DUE_SOON_DAYS),
        keep_photo_metadata: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    search::index(&txn, RESOURCE, model.id, model.id, &[&model.name]).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: model.id,
            bloc_id: Some(model.id),
            before: None,
            after: Some(&BlocDto::from(model.clone())),
        },
    )
    .await?;
    let head = match body.head {
        None => None,
        Some(h) => {
            let opened = open_head(&txn, caller, model.id, h).await?;
            let answer = CreatedBloc {
                bloc: BlocDto::from(model.clone()),
                head: Some(opened),
            };
            // Three resources written; the answer is the bloc with its head.
            audit::answer(&txn, caller, true, &answer).await?;
            answer.head
        }
    };
    txn.commit().await?;
    Ok(CreatedBloc {
        bloc: BlocDto::from(model),
        head,
    })
}

/// The head's staff record and linked account, made as the bloc head would make them; their
/// field problems are named under `head.`.
async fn open_head(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    bloc_id: Uuid,
    h: NewHead,
) -> ApiResult<OpenedHead> {
    let under_head = |e: ApiError| e.under("head.");
    let staff = crate::staff::service::create_in(
        txn,
        caller,
        bloc_id,
        CreateStaff {
            full_name: h.full_name,
            position: h.position,
            organisation_id: None,
            sub_committee_id: None,
            role: StaffRole::BlocHead,
            phone: h.phone,
            email: h.email,
        },
    )
    .await
    .map_err(under_head)?;
    let account = crate::accounts::service::create_in(
        txn,
        caller,
        CreateAccount {
            username: h.username,
            password: h.password,
            role: None,
            bloc_id: None,
            staff_id: Some(staff.id),
            province: None,
            province_id: None,
        },
        None,
    )
    .await
    .map_err(under_head)?;
    Ok(OpenedHead { staff, account })
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateBloc,
) -> ApiResult<BlocDto> {
    let txn = begin_write(db).await?;
    let current = tenancy::find::<bloc::Entity>(&txn, &Scope::of(caller), id, "bloc").await?;
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Bloc,
        Action::Update,
        &Target::default(),
    )?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    let mut am: bloc::ActiveModel = current.clone().into();
    if let Some(n) = &body.name {
        let n = c.text("name", n, 200);
        am.name_folded = Set(text::fold(&n));
        am.name = Set(n);
    }
    if let Some(d) = body.established_on {
        am.established_on = Set(d);
    }
    if let Some(f) = &body.founding_decision {
        am.founding_decision = Set(c.opt_text("founding_decision", f.as_deref(), 100));
    }
    if let Some(n) = body.due_soon_days {
        if !(0..=30).contains(&n) {
            c.add("due_soon_days", "must be from 0 to 30");
        }
        am.due_soon_days = Set(n);
    }
    if let Some(k) = body.keep_photo_metadata {
        am.keep_photo_metadata = Set(k);
    }
    if let Some(parent) = body.parent_id {
        policy::authorize(
            &Actor::with_role(caller.role),
            Resource::Bloc,
            Action::Move,
            &Target::default(),
        )?;
        if let Some(p) = parent {
            check_new_parent(&txn, &mut c, &current, p).await?;
        }
        am.parent_id = Set(parent);
    }
    c.finish()?;
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, bloc::Column::Version, current.version).await?;
    search::index(&txn, RESOURCE, updated.id, updated.id, &[&updated.name]).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(id),
            before: Some(&BlocDto::from(current)),
            after: Some(&BlocDto::from(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(BlocDto::from(updated))
}

/// A bloc may sit under `parent` if it is a bloc of a higher level in the same province that is
/// not the bloc itself nor below it (a cycle of parents), and not dissolved.
async fn check_new_parent(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    b: &bloc::Model,
    parent: Uuid,
) -> Result<(), sea_orm::DbErr> {
    let Some(p) = bloc::Entity::find_by_id(parent).one(conn).await? else {
        c.add("parent_id", "no such bloc");
        return Ok(());
    };
    let level = Level::parse(&b.level).unwrap_or(Level::Commune);
    if !level.may_have_parent(Level::parse(&p.level).unwrap_or(Level::Commune)) {
        c.add(
            "parent_id",
            format!("a {} bloc cannot sit under a {} bloc", b.level, p.level),
        );
    } else if p.province_folded != b.province_folded {
        c.add("parent_id", format!("must be a bloc of {}", b.province));
    } else if p.dissolved_on.is_some() {
        c.add("parent_id", "is dissolved");
    }
    // Walk up from the new parent: meeting the bloc itself would close a circle.
    let mut at = Some(p.id);
    for _ in 0..16 {
        let Some(id) = at else { break };
        if id == b.id {
            c.add(
                "parent_id",
                "is the bloc itself or a bloc below it: parents would go round in a circle",
            );
            break;
        }
        at = bloc::Entity::find_by_id(id)
            .one(conn)
            .await?
            .and_then(|x| x.parent_id);
    }
    Ok(())
}
