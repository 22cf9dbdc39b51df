use super::dto::{
    AssignmentDto, AssignmentQuery, CreateStaff, MoveStaff, StaffDto, StaffQuery, StaffRole,
    UpdateStaff,
};
use crate::{
    accounts::dto::AccountDto,
    audit,
    auth::Caller,
    concurrency::{IfMatch, save_if_unchanged},
    db::begin_write,
    entities::{account, refresh_token, staff, staff_assignment, sub_committee},
    error::{ApiError, ApiResult},
    pagination::{self, Keyset, Kind, Page, SortField},
    policy::{self, Action, Actor, Resource, Target},
    refs, search,
    tenancy::{self, Scope},
    validate::{self, Checks},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

pub const RESOURCE: &str = "staff";

fn sort_fields() -> [SortField<staff::Column>; 2] {
    [
        SortField {
            name: "full_name",
            column: staff::Column::FullName,
            kind: Kind::Text,
        },
        SortField {
            name: "created_at",
            column: staff::Column::CreatedAt,
            kind: Kind::Time,
        },
    ]
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    q: StaffQuery,
) -> ApiResult<Page<StaffDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Staff)?;
    let limit = pagination::limit(q.limit)?;
    let fields = sort_fields();
    let keyset = Keyset::parse(q.sort.as_deref(), q.cursor.as_deref(), &fields)?;
    let scope = Scope::of(caller).narrowed(q.bloc_id, q.province.as_deref());
    let mut select = tenancy::select::<staff::Entity>(&scope);
    select = crate::pagination::synced(
        select,
        q.updated_since,
        q.ids.as_deref(),
        staff::Column::UpdatedAt,
        staff::Column::Id,
    )?;
    if let Some(r) = q.role {
        select = select.filter(staff::Column::Role.eq(r.as_str()));
    }
    if let Some(o) = q.organisation_id {
        select = select.filter(staff::Column::OrganisationId.eq(o));
    }
    if let Some(s) = q.sub_committee_id {
        select = select.filter(staff::Column::SubCommitteeId.eq(s));
    }
    if let Some(a) = q.active {
        select = select.filter(staff::Column::Active.eq(a));
    }
    if let Some(cond) =
        search::matching(db, RESOURCE, &scope, q.q.as_deref(), staff::Column::Id).await?
    {
        select = select.filter(cond);
    }
    let field = keyset.field_name();
    Ok(keyset
        .fetch(
            db,
            select,
            staff::Column::Id,
            limit,
            |m| {
                let v = match field {
                    Some("full_name") => json!(m.full_name),
                    Some("created_at") => json!(m.created_at),
                    _ => json!(null),
                };
                (v, m.id)
            },
            StaffDto::from,
        )
        .await?)
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> ApiResult<StaffDto> {
    crate::policy::may_read(caller, crate::policy::Resource::Staff)?;
    tenancy::find::<staff::Entity>(db, &Scope::of(caller), id, "staff member")
        .await
        .map(StaffDto::from)
}

fn contact(
    c: &mut Checks,
    phone: Option<&str>,
    email: Option<&str>,
) -> (Option<String>, Option<String>) {
    let phone = c.opt_text("phone", phone, 32);
    if let Some(p) = &phone
        && !validate::is_phone(p)
    {
        c.add("phone", "must be a phone number of 8 to 15 digits");
    }
    let email = c.opt_text("email", email, 254).map(|e| e.to_lowercase());
    if let Some(e) = &email
        && !validate::is_email(e)
    {
        c.add("email", "must be an email address");
    }
    (phone, email)
}

async fn another_active_head(
    conn: &impl ConnectionTrait,
    bloc_id: Uuid,
    except: Option<Uuid>,
) -> Result<Option<staff::Model>, DbErr> {
    let mut s = staff::Entity::find()
        .filter(staff::Column::BlocId.eq(bloc_id))
        .filter(staff::Column::Role.eq("bloc_head"))
        .filter(staff::Column::Active.eq(true));
    if let Some(id) = except {
        s = s.filter(staff::Column::Id.ne(id));
    }
    s.one(conn).await
}

fn head_conflict(existing: &staff::Model) -> ApiError {
    ApiError::conflict(format!(
        "the bloc already has an active bloc head, {}; change their role or deactivate them first",
        existing.full_name
    ))
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    body: CreateStaff,
) -> ApiResult<StaffDto> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Staff,
        Action::Create,
        &Target::default(),
    )?;
    let bloc_id = Scope::of(caller)
        .own_bloc()
        .ok_or_else(|| ApiError::Forbidden("only the bloc's own people add its staff".into()))?;
    let txn = begin_write(db).await?;
    let out = create_in(&txn, caller, bloc_id, body).await?;
    txn.commit().await?;
    Ok(out)
}

/// Adds a staff member to `bloc_id` in the caller's transaction; the caller has been
/// authorised for it (the bloc head, or the admin opening a bloc with its head).
pub(crate) async fn create_in(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    bloc_id: Uuid,
    body: CreateStaff,
) -> ApiResult<StaffDto> {
    let mut c = Checks::new();
    let full_name = c.text("full_name", &body.full_name, 200);
    let position = c.opt_text("position", body.position.as_deref(), 200);
    let (phone, email) = contact(&mut c, body.phone.as_deref(), body.email.as_deref());
    refs::Kind::Organisation
        .check(
            txn,
            &mut c,
            "organisation_id",
            bloc_id,
            body.organisation_id,
        )
        .await?;
    refs::Kind::SubCommittee
        .check(
            txn,
            &mut c,
            "sub_committee_id",
            bloc_id,
            body.sub_committee_id,
        )
        .await?;
    c.finish()?;
    if body.role == StaffRole::BlocHead
        && let Some(h) = another_active_head(txn, bloc_id, None).await?
    {
        return Err(head_conflict(&h));
    }
    let now = Utc::now();
    let model = staff::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(bloc_id),
        full_name: Set(full_name),
        position: Set(position),
        organisation_id: Set(body.organisation_id),
        sub_committee_id: Set(body.sub_committee_id),
        role: Set(body.role.as_str().into()),
        phone: Set(phone),
        email: Set(email),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    if body.sub_committee_id.is_some() {
        staff_assignment::ActiveModel {
            id: Set(Uuid::now_v7()),
            bloc_id: Set(bloc_id),
            staff_id: Set(model.id),
            from_sub_committee_id: Set(None),
            to_sub_committee_id: Set(body.sub_committee_id),
            effective_on: Set(crate::clock::today()),
            decision_ref: Set(None),
            note: Set(None),
            created_by: Set(caller.account_id),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    index(txn, &model).await?;
    audit::log_and_announce(
        txn,
        caller,
        audit::Written {
            action: "create",
            resource_type: RESOURCE,
            resource_id: model.id,
            bloc_id: Some(bloc_id),
            before: None,
            after: Some(&StaffDto::from(model.clone())),
        },
    )
    .await?;
    Ok(StaffDto::from(model))
}

async fn index(conn: &impl ConnectionTrait, m: &staff::Model) -> Result<(), DbErr> {
    search::index(
        conn,
        RESOURCE,
        m.bloc_id,
        m.id,
        &[&m.full_name, m.position.as_deref().unwrap_or("")],
    )
    .await
}

/// The sign-in account follows its staff member: the role its next token carries, and whether
/// it may sign in at all. Deactivation also revokes its refresh tokens. The account's change is
/// announced like any other write.
async fn sync_account(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    m: &staff::Model,
) -> Result<(), DbErr> {
    let Some(acc) = account::Entity::find()
        .filter(account::Column::StaffId.eq(m.id))
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    if acc.role == m.role && acc.active == m.active {
        return Ok(());
    }
    let mut am: account::ActiveModel = acc.clone().into();
    am.role = Set(m.role.clone());
    am.active = Set(m.active);
    am.version = Set(acc.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = am.update(conn).await?;
    if !m.active {
        refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(refresh_token::Column::AccountId.eq(acc.id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(conn)
            .await?;
    }
    audit::log_and_announce(
        conn,
        caller,
        audit::Written {
            action: "update",
            resource_type: "account",
            resource_id: acc.id,
            bloc_id: acc.bloc_id,
            before: Some(&AccountDto::from(acc)),
            after: Some(&AccountDto::from(updated)),
        },
    )
    .await
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: UpdateStaff,
) -> ApiResult<StaffDto> {
    let txn = begin_write(db).await?;
    let current =
        tenancy::find::<staff::Entity>(&txn, &Scope::of(caller), id, "staff member").await?;
    let actor = Actor::of(&txn, caller).await?;
    let action = if body.only_contact() {
        Action::UpdateContact
    } else {
        Action::Update
    };
    policy::authorize(
        &actor,
        Resource::Staff,
        action,
        &Target {
            person: Some(id),
            ..Default::default()
        },
    )?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    let mut am: staff::ActiveModel = current.clone().into();
    if let Some(n) = &body.full_name {
        am.full_name = Set(c.text("full_name", n, 200));
    }
    if let Some(p) = &body.position {
        am.position = Set(c.opt_text("position", p.as_deref(), 200));
    }
    if let Some(o) = body.organisation_id {
        refs::Kind::Organisation
            .check(&txn, &mut c, "organisation_id", current.bloc_id, o)
            .await?;
        am.organisation_id = Set(o);
    }
    let phone_in = body.phone.clone().unwrap_or(current.phone.clone());
    let email_in = body.email.clone().unwrap_or(current.email.clone());
    let (phone, email) = contact(&mut c, phone_in.as_deref(), email_in.as_deref());
    am.phone = Set(phone);
    am.email = Set(email);
    c.finish()?;
    let role = body
        .role
        .map(|r| r.as_str().to_string())
        .unwrap_or(current.role.clone());
    let active = body.active.unwrap_or(current.active);
    if role == "bloc_head"
        && active
        && (current.role != "bloc_head" || !current.active)
        && let Some(h) = another_active_head(&txn, current.bloc_id, Some(id)).await?
    {
        return Err(head_conflict(&h));
    }
    if role == "staff" && current.role != "staff" {
        let headed = sub_committee::Entity::find()
            .filter(sub_committee::Column::HeadStaffId.eq(id))
            .one(&txn)
            .await?;
        if let Some(sc) = headed {
            return Err(ApiError::conflict(format!(
                "{} heads {}, which needs the bloc head or a deputy head; appoint another head first",
                current.full_name, sc.name
            )));
        }
    }
    am.role = Set(role);
    am.active = Set(active);
    am.version = Set(current.version + 1);
    am.updated_at = Set(Utc::now());
    let updated = save_if_unchanged(&txn, am, staff::Column::Version, current.version).await?;
    index(&txn, &updated).await?;
    sync_account(&txn, caller, &updated).await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "update",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(updated.bloc_id),
            before: Some(&StaffDto::from(current)),
            after: Some(&StaffDto::from(updated.clone())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(StaffDto::from(updated))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn move_staff(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    body: MoveStaff,
) -> ApiResult<AssignmentDto> {
    let txn = begin_write(db).await?;
    let current =
        tenancy::find::<staff::Entity>(&txn, &Scope::of(caller), id, "staff member").await?;
    let actor = Actor::of(&txn, caller).await?;
    policy::authorize(
        &actor,
        Resource::Staff,
        Action::Move,
        &Target {
            move_from: current.sub_committee_id,
            move_to: body.to_sub_committee_id,
            ..Default::default()
        },
    )?;
    if_match.check(current.version)?;
    let mut c = Checks::new();
    refs::Kind::SubCommittee
        .check(
            &txn,
            &mut c,
            "to_sub_committee_id",
            current.bloc_id,
            body.to_sub_committee_id,
        )
        .await?;
    let decision_ref = c.opt_text("decision_ref", body.decision_ref.as_deref(), 100);
    let note = c.opt_long_text("note", body.note.as_deref(), 2000);
    c.finish()?;
    if !current.active {
        return Err(ApiError::conflict(format!(
            "{} is no longer active",
            current.full_name
        )));
    }
    if body.to_sub_committee_id == current.sub_committee_id {
        return Err(ApiError::conflict(format!(
            "{} is already there",
            current.full_name
        )));
    }
    let now = Utc::now();
    let mut am: staff::ActiveModel = current.clone().into();
    am.sub_committee_id = Set(body.to_sub_committee_id);
    am.version = Set(current.version + 1);
    am.updated_at = Set(now);
    let updated = save_if_unchanged(&txn, am, staff::Column::Version, current.version).await?;
    let assignment = staff_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(current.bloc_id),
        staff_id: Set(id),
        from_sub_committee_id: Set(current.sub_committee_id),
        to_sub_committee_id: Set(body.to_sub_committee_id),
        effective_on: Set(body.effective_on.unwrap_or_else(crate::clock::today)),
        decision_ref: Set(decision_ref),
        note: Set(note),
        created_by: Set(caller.account_id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::log_and_announce(
        &txn,
        caller,
        audit::Written {
            action: "move",
            resource_type: RESOURCE,
            resource_id: id,
            bloc_id: Some(current.bloc_id),
            before: Some(&StaffDto::from(current)),
            after: Some(&StaffDto::from(updated)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(AssignmentDto::from(assignment))
}

#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn list_assignments(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    q: AssignmentQuery,
) -> ApiResult<Page<AssignmentDto>> {
    crate::policy::may_read(caller, crate::policy::Resource::Staff)?;
    let person = get(db, caller, id).await?;
    let limit = pagination::limit(q.limit)?;
    let fields: [SortField<staff_assignment::Column>; 0] = [];
    let keyset = Keyset::parse(None, q.cursor.as_deref(), &fields)?;
    let select = tenancy::select::<staff_assignment::Entity>(&Scope::of(caller))
        .filter(staff_assignment::Column::StaffId.eq(person.id));
    Ok(keyset
        .fetch(
            db,
            select,
            staff_assignment::Column::Id,
            limit,
            |m| (json!(null), m.id),
            AssignmentDto::from,
        )
        .await?)
}
