//! Tenancy in one place: every read of a bloc's data starts from [`select`], which limits it to
//! what the caller's [`Scope`] covers. What is outside the scope does not exist for the caller
//! (404, never 403).
use crate::{
    auth::{Caller, Role},
    entities::{
        account, bloc, campaign, campaign_measurement, campaign_registration, campaign_target,
        comment, directive, directive_dispatch, file, meeting, meeting_decision, organisation,
        recommendation, recommendation_response, staff, staff_assignment, sub_committee,
        supervision, supervision_finding, task, task_event, task_report, task_series, unit,
        unit_assignment, webhook,
    },
    text,
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, Select,
    sea_query::{Alias, Condition, Expr, ExprTrait, Query},
};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The bloc's own people see their bloc.
    Bloc(Uuid),
    /// The portal reads every bloc of its province (folded name).
    Province(String),
    /// The admin runs the installation.
    All,
    /// A token that fits no scope (a bloc role without a bloc) sees nothing.
    Nothing,
    /// What both cover: a list narrowed to one bloc or province of the caller's scope.
    Both(Box<Scope>, Box<Scope>),
}

impl Scope {
    pub fn of(caller: &Caller) -> Scope {
        match caller.role {
            Role::Admin => Scope::All,
            Role::Portal => match &caller.province {
                Some(p) => Scope::Province(text::fold(&text::clean(p))),
                None => Scope::Nothing,
            },
            _ => match caller.bloc_id {
                Some(id) => Scope::Bloc(id),
                None => Scope::Nothing,
            },
        }
    }

    /// The scope narrowed to one bloc (`bloc_id`) and to one province (its name, case and
    /// diacritics ignored), as a list's filters ask: never wider than the caller's own. A bloc
    /// or province outside it leaves nothing, as if it did not exist.
    pub fn narrowed(self, bloc_id: Option<Uuid>, province: Option<&str>) -> Scope {
        let mut out = self;
        if let Some(b) = bloc_id {
            out = match out {
                Scope::All => Scope::Bloc(b),
                Scope::Bloc(me) if me == b => Scope::Bloc(me),
                Scope::Bloc(_) | Scope::Nothing => Scope::Nothing,
                other => Scope::Both(Box::new(other), Box::new(Scope::Bloc(b))),
            };
        }
        if let Some(p) = province.map(|p| text::fold(&text::clean(p))) {
            out = match out {
                Scope::All => Scope::Province(p),
                Scope::Province(q) if q == p => Scope::Province(q),
                Scope::Province(_) | Scope::Nothing => Scope::Nothing,
                other => Scope::Both(Box::new(other), Box::new(Scope::Province(p))),
            };
        }
        out
    }

    /// A condition limiting `bloc_column` to the blocs in scope.
    pub fn condition(&self, bloc_column: impl ColumnTrait + Copy) -> Condition {
        match self {
            Scope::Bloc(id) => Condition::all().add(bloc_column.eq(*id)),
            Scope::Province(p) => Condition::all().add(
                bloc_column.in_subquery(
                    Query::select()
                        .column(bloc::Column::Id)
                        .from(bloc::Entity)
                        .and_where(bloc::Column::ProvinceFolded.eq(p.clone()))
                        .to_owned(),
                ),
            ),
            Scope::All => Condition::all(),
            Scope::Nothing => Condition::all()
                .add(bloc_column.is_null())
                .add(bloc_column.is_not_null()),
            Scope::Both(a, b) => Condition::all()
                .add(a.condition(bloc_column))
                .add(b.condition(bloc_column)),
        }
    }

    /// The one bloc a write goes to, for the bloc's own people.
    pub fn own_bloc(&self) -> Option<Uuid> {
        match self {
            Scope::Bloc(id) => Some(*id),
            _ => None,
        }
    }
}

/// An entity that belongs to a bloc.
pub trait Tenant: EntityTrait {
    fn bloc_column() -> Self::Column;
    fn id_column() -> Self::Column;
}

/// Every query of a bloc's data starts here.
pub fn select<E: Tenant>(scope: &Scope) -> Select<E> {
    E::find().filter(scope.condition(E::bloc_column()))
}

/// The change feed in scope, and the changes of reference data (of no bloc, everyone's to
/// read) of `reference_types`.
pub fn select_feed(
    scope: &Scope,
    reference_types: &[&'static str],
) -> Select<crate::entities::change::Entity> {
    use crate::entities::change;
    change::Entity::find().filter(
        Condition::any()
            .add(scope.condition(change::Column::BlocId))
            .add(change::Column::ResourceType.is_in(reference_types.iter().copied())),
    )
}

/// One resource by id, if the scope covers it.
pub fn select_one<E: Tenant>(scope: &Scope, id: Uuid) -> Select<E> {
    select::<E>(scope).filter(E::id_column().eq(id))
}

/// One resource by id within the caller's scope, or 404 naming `what`.
pub async fn find<E: Tenant>(
    conn: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
    id: Uuid,
    what: &str,
) -> Result<E::Model, crate::error::ApiError> {
    select_one::<E>(scope, id)
        .one(conn)
        .await?
        .ok_or_else(|| crate::error::ApiError::not_found(what))
}

/// A resource by id under its parent (`parent_column` = `parent_id`), within the caller's scope,
/// or 404 naming `what`: a target of a campaign, a recommendation of a supervision, …
pub async fn find_under<E: Tenant>(
    conn: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
    id: Uuid,
    parent_column: E::Column,
    parent_id: Uuid,
    what: &str,
) -> Result<E::Model, crate::error::ApiError> {
    select_one::<E>(scope, id)
        .filter(parent_column.eq(parent_id))
        .one(conn)
        .await?
        .ok_or_else(|| crate::error::ApiError::not_found(what))
}

/// Reads across levels (issue 15): a bloc reads what it sent down to its child blocs and what
/// came back, what it received from its parent, and the history of a bloc dissolved into it;
/// nothing else of another bloc. Only reads
/// by id (and a delegated task's reports and history) use it: lists stay in the caller's scope.
pub trait Linked: Tenant {
    /// Rows of other blocs that `bloc` sent down (the tasks it delegated).
    fn sent_down(bloc: Uuid) -> Option<Condition>;
    /// Rows of its parent that `bloc` received (the task delegated to it, the directive and
    /// dispatch sent to it).
    fn received(bloc: Uuid) -> Option<Condition>;
}

impl Scope {
    fn linked<E: Linked>(&self, down: bool, up: bool) -> Condition {
        let own = self.condition(E::bloc_column());
        match self {
            Scope::Bloc(id) => {
                // A bloc reads the history of the blocs dissolved into it, too.
                let inherited = E::bloc_column().in_subquery(
                    Query::select()
                        .column(bloc::Column::Id)
                        .from(bloc::Entity)
                        .and_where(bloc::Column::SuccessorId.eq(*id))
                        .and_where(bloc::Column::DissolvedOn.is_not_null())
                        .to_owned(),
                );
                let mut any = Condition::any().add(own).add(inherited);
                if let Some(c) = E::sent_down(*id).filter(|_| down) {
                    any = any.add(c);
                }
                if let Some(c) = E::received(*id).filter(|_| up) {
                    any = any.add(c);
                }
                any
            }
            _ => own,
        }
    }
}

/// One resource by id: the caller's own, or linked to its bloc across levels.
pub async fn find_linked<E: Linked>(
    conn: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
    id: Uuid,
    what: &str,
) -> Result<E::Model, crate::error::ApiError> {
    find_across::<E>(conn, scope.linked::<E>(true, true), id, what).await
}

/// [`find_linked`] as a select, for a read that adds columns of its own.
pub fn select_linked<E: Linked>(scope: &Scope, id: Uuid) -> Select<E> {
    by_id::<E>(scope.linked::<E>(true, true), id)
}

fn by_id<E: Linked>(reach: Condition, id: Uuid) -> Select<E> {
    E::find().filter(reach).filter(E::id_column().eq(id))
}

/// One resource by id: the caller's own, or one its bloc sent down (a delegated task, whose
/// reports and history the sender reads).
pub async fn find_sent_down<E: Linked>(
    conn: &impl sea_orm::ConnectionTrait,
    scope: &Scope,
    id: Uuid,
    what: &str,
) -> Result<E::Model, crate::error::ApiError> {
    find_across::<E>(conn, scope.linked::<E>(true, false), id, what).await
}

async fn find_across<E: Linked>(
    conn: &impl sea_orm::ConnectionTrait,
    reach: Condition,
    id: Uuid,
    what: &str,
) -> Result<E::Model, crate::error::ApiError> {
    by_id::<E>(reach, id)
        .one(conn)
        .await?
        .ok_or_else(|| crate::error::ApiError::not_found(what))
}

/// Every query that may also read what the caller's bloc received from its parent.
pub fn select_with_received<E: Linked>(scope: &Scope) -> Select<E> {
    E::find().filter(scope.linked::<E>(false, true))
}

/// `column IN (SELECT select FROM E WHERE by = bloc AND select IS NOT NULL)`: rows of other
/// blocs that a row of `bloc` points at, or that point at one of its rows.
fn linked_by<E: EntityTrait + Default>(
    column: impl ColumnTrait,
    select: E::Column,
    by: E::Column,
    bloc: Uuid,
) -> Option<Condition> {
    Some(
        Condition::all().add(
            column.in_subquery(
                Query::select()
                    .column(select)
                    .from(E::default())
                    .and_where(by.eq(bloc))
                    .and_where(select.is_not_null())
                    .to_owned(),
            ),
        ),
    )
}

/// [`linked_by`] as `EXISTS (SELECT 1 FROM E AS linked WHERE linked.by = bloc AND linked.select =
/// E.column)`: one lookup for the row read. For tasks, the `IN` form's subquery reads every task of
/// the bloc; PostgreSQL costs that into both plans of a task's detail, the generic one a little
/// higher (a bloc of average size), so it planned the detail again on every call: 1,515-1,539
/// details a second at 1,000,000 tasks, 3,397-3,412 with this (BENCHMARKS.md).
fn linked_exists<E: EntityTrait + Default>(
    column: E::Column,
    select: E::Column,
    by: E::Column,
    bloc: Uuid,
) -> Option<Condition> {
    let linked = Alias::new("linked");
    Some(
        Condition::all().add(Expr::exists(
            Query::select()
                .expr(Expr::cust("1"))
                .from_as(E::default(), linked.clone())
                .and_where(Expr::col((linked.clone(), by)).eq(bloc))
                .and_where(Expr::col((linked, select)).equals((E::default(), column)))
                .to_owned(),
        )),
    )
}

impl Linked for task::Entity {
    fn sent_down(bloc: Uuid) -> Option<Condition> {
        use task::Column::*;
        linked_exists::<task::Entity>(ParentTaskId, Id, BlocId, bloc)
    }
    fn received(bloc: Uuid) -> Option<Condition> {
        use task::Column::*;
        linked_exists::<task::Entity>(Id, ParentTaskId, BlocId, bloc)
    }
}

impl Linked for campaign::Entity {
    fn sent_down(bloc: Uuid) -> Option<Condition> {
        use campaign::Column::*;
        linked_by::<campaign::Entity>(ParentCampaignId, Id, BlocId, bloc)
    }
    fn received(bloc: Uuid) -> Option<Condition> {
        use campaign::Column::*;
        linked_by::<campaign::Entity>(Id, ParentCampaignId, BlocId, bloc)
    }
}

impl Linked for directive::Entity {
    fn sent_down(_: Uuid) -> Option<Condition> {
        None
    }
    fn received(bloc: Uuid) -> Option<Condition> {
        use directive_dispatch::Column::*;
        linked_by::<directive_dispatch::Entity>(directive::Column::Id, DirectiveId, ToBlocId, bloc)
    }
}

impl Linked for directive_dispatch::Entity {
    fn sent_down(_: Uuid) -> Option<Condition> {
        None
    }
    fn received(bloc: Uuid) -> Option<Condition> {
        Some(Condition::all().add(directive_dispatch::Column::ToBlocId.eq(bloc)))
    }
}

macro_rules! tenant {
    ($m:ident, $bloc:ident) => {
        impl Tenant for $m::Entity {
            fn bloc_column() -> Self::Column {
                $m::Column::$bloc
            }
            fn id_column() -> Self::Column {
                $m::Column::Id
            }
        }
    };
}

tenant!(bloc, Id);
tenant!(organisation, BlocId);
tenant!(sub_committee, BlocId);
tenant!(staff, BlocId);
tenant!(staff_assignment, BlocId);
tenant!(unit, BlocId);
tenant!(account, BlocId);
tenant!(directive, BlocId);
tenant!(task, BlocId);
tenant!(task_series, BlocId);
tenant!(comment, BlocId);
tenant!(task_event, BlocId);
tenant!(task_report, BlocId);
tenant!(campaign, BlocId);
tenant!(campaign_target, BlocId);
tenant!(campaign_measurement, BlocId);
tenant!(campaign_registration, BlocId);
tenant!(supervision, BlocId);

impl Tenant for crate::entities::change::Entity {
    fn bloc_column() -> Self::Column {
        crate::entities::change::Column::BlocId
    }
    /// Changes are read by position, never one by id.
    fn id_column() -> Self::Column {
        crate::entities::change::Column::ResourceId
    }
}
tenant!(supervision_finding, BlocId);
tenant!(recommendation, BlocId);
tenant!(recommendation_response, BlocId);
tenant!(meeting, BlocId);
tenant!(meeting_decision, BlocId);
tenant!(unit_assignment, BlocId);
tenant!(directive_dispatch, BlocId);
tenant!(webhook, BlocId);
tenant!(file, BlocId);

/// Who a caller's reports are about, for a spreadsheet's title: the bloc's name, the portal's
/// province, or every bloc for the admin.
pub async fn scope_name(
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
) -> Result<String, sea_orm::DbErr> {
    Ok(match (caller.role, caller.bloc_id, &caller.province) {
        (Role::Portal, _, Some(p)) => format!("Các khối tỉnh {p}"),
        (Role::Admin, _, _) => "Tất cả các khối".to_string(),
        (_, Some(b), _) => bloc::Entity::find_by_id(b)
            .one(db)
            .await?
            .map_or_else(String::new, |b| b.name),
        _ => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    #[test]
    fn a_task_read_across_levels_looks_its_link_up_not_the_whole_bloc() {
        let bloc = Uuid::nil();
        let sql = select_linked::<task::Entity>(&Scope::Bloc(bloc), Uuid::max())
            .build(DbBackend::Postgres)
            .to_string();
        // Sent down and received: each one lookup of the linked task, correlated with the row.
        for link in [
            r#"EXISTS(SELECT 1 FROM "tasks" AS "linked" WHERE "linked"."bloc_id" = '00000000-0000-0000-0000-000000000000' AND "linked"."id" = "tasks"."parent_task_id")"#,
            r#"EXISTS(SELECT 1 FROM "tasks" AS "linked" WHERE "linked"."bloc_id" = '00000000-0000-0000-0000-000000000000' AND "linked"."parent_task_id" = "tasks"."id")"#,
        ] {
            assert!(sql.contains(link), "{sql}");
        }
        assert!(!sql.contains(r#"IN (SELECT "id" FROM "tasks""#), "{sql}");
    }
}
