use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// A number per person that moves whenever their inbox changes (a notification written, one
    /// or all marked read). The token check reads it with the account, so a kept inbox is served
    /// without reading the inbox, and never after it changed, on any instance (issue 17's inbox
    /// speed). A table of its own: moving it must not lock the account's row, which an edit of
    /// the account holds while it waits for the change feed's counter.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("inbox_versions"))
                .col(uuid(a("account_id")).primary_key())
                .col(big_integer(a("version")))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("inbox_versions")).to_owned())
            .await
    }
}
