use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Positions per bloc (issue 19): the feed number of the last change announced under each
    /// bloc (the nil id for changes of no bloc), so a kept answer is dropped by a write that
    /// concerns it, not by any write anywhere. Starts empty: kept answers live in each
    /// instance's memory and are compared only with later readings, which only grow.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("change_positions"))
                .col(uuid(a("bloc_id")).primary_key())
                .col(big_integer(a("seq")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("change_positions")).to_owned())
            .await
    }
}
