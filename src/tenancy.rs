//! Tenancy in one place: every read of a bloc's data starts from [`select`], which limits it to
//! what the caller's [`Scope`] covers. What is outside the scope does not exist for the caller
//! (404, never 403).
use crate::{
    auth::{Caller, Role},
    entities::{
        account, bloc, campaign, campaign_measurement, campaign_registration, campaign_target,
        directive, directive_dispatch, meeting, meeting_decision, organisation, recommendation,
        recommendation_response, staff, staff_assignment, sub_committee, supervision,
        supervision_finding, task, task_event, task_report, unit, unit_assignment, webhook,
    },
    text,
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, Select,
    sea_query::{Condition, Query},
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

    /// A condition limiting `bloc_column` to the blocs in scope.
    pub fn condition(&self, bloc_column: impl ColumnTrait) -> Condition {
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
