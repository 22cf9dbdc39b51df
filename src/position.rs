//! The position a kept answer is keyed by: the last change announced under the blocs a scope's
//! answers depend on (see `page_cache`). Here, below the token check, so that check can read a
//! person's position in its own statement and a kept answer costs no further round trip.
use crate::entities::{bloc, change_position};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

/// Whose position: a bloc's family, a province's blocs, or the whole feed's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Of {
    Bloc(Uuid),
    /// The province's folded name.
    Province(String),
    Feed,
}

/// One row, one column: the position of `of`. For a bloc, the last change under the bloc, its
/// ancestors and descendants (a delegated task's roll-up, a cascaded campaign's figures, work
/// received from above) or under no bloc; for a province, under its blocs or none; otherwise
/// the whole feed's. A write elsewhere leaves it where it was, so its answers stay kept. It
/// only grows: each change gets a number above every earlier one, and a bloc joins or leaves a
/// family only by a change of a bloc record, which moves the shared position.
pub fn query(of: &Of) -> SelectStatement {
    let in_blocs = |cond: sea_orm::sea_query::SimpleExpr| {
        Query::select()
            .column(bloc::Column::Id)
            .from(bloc::Entity)
            .and_where(cond)
            .to_owned()
    };
    let family = match of {
        Of::Bloc(id) => {
            let parents = Query::select()
                .column(bloc::Column::ParentId)
                .from(bloc::Entity)
                .and_where(bloc::Column::Id.eq(*id))
                .to_owned();
            let grandparents = Query::select()
                .column(bloc::Column::ParentId)
                .from(bloc::Entity)
                .and_where(bloc::Column::Id.in_subquery(parents.clone()))
                .to_owned();
            let children = in_blocs(bloc::Column::ParentId.eq(*id));
            let grandchildren = in_blocs(bloc::Column::ParentId.in_subquery(children.clone()));
            sea_orm::Condition::any()
                .add(change_position::Column::BlocId.is_in([Uuid::nil(), *id]))
                .add(change_position::Column::BlocId.in_subquery(parents))
                .add(change_position::Column::BlocId.in_subquery(grandparents))
                .add(change_position::Column::BlocId.in_subquery(children))
                .add(change_position::Column::BlocId.in_subquery(grandchildren))
        }
        Of::Province(p) => sea_orm::Condition::any()
            .add(change_position::Column::BlocId.eq(Uuid::nil()))
            .add(
                change_position::Column::BlocId
                    .in_subquery(in_blocs(bloc::Column::ProvinceFolded.eq(p.clone()))),
            ),
        Of::Feed => {
            return Query::select()
                .column("value")
                .from("change_counter")
                .and_where(Expr::col("id").eq(1))
                .to_owned();
        }
    };
    Query::select()
        .expr(Expr::col(change_position::Column::Seq).max().if_null(0i64))
        .from(change_position::Entity)
        .cond_where(family)
        .to_owned()
}

/// The position of `of` as one more column of another statement (the token check's), or a
/// plain 0 where none was asked for, so the statement's shape is the same either way.
pub fn column(of: Option<&Of>) -> Expr {
    match of {
        Some(of) => Expr::SubQuery(None, Box::new(query(of).into())),
        None => Expr::val(0i64),
    }
}

/// Reads the position of `of`.
pub async fn read(conn: &impl ConnectionTrait, of: &Of) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(conn.get_database_backend().build(&query(of)))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("change_counter".into()))?;
    row.try_get_by_index(0)
}

/// The feed's position: the number of the last committed change.
pub async fn feed(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    read(conn, &Of::Feed).await
}
