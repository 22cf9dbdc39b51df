use sea_orm_migration::{prelude::*, schema::*};

/// The change feed: one row per committed write, numbered in commit order. The number comes from
/// a single counter row that each writing transaction increments and holds locked until it
/// commits, so a later number is always committed after an earlier one.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ChangeFeed::Table)
                .col(big_integer(ChangeFeed::Seq).primary_key())
                .col(string_len(ChangeFeed::ResourceType, 40))
                .col(uuid(ChangeFeed::ResourceId))
                .col(uuid_null(ChangeFeed::BlocId))
                .col(string_len(ChangeFeed::Operation, 10))
                .col(integer_null(ChangeFeed::Version))
                .col(timestamp_with_time_zone(ChangeFeed::ChangedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_change_feed_bloc_seq")
                .table(ChangeFeed::Table)
                .col(ChangeFeed::BlocId)
                .col(ChangeFeed::Seq)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ChangeCounter::Table)
                .col(integer(ChangeCounter::Id).primary_key())
                .col(big_integer(ChangeCounter::Value))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(ChangeCounter::Table)
                .columns([ChangeCounter::Id, ChangeCounter::Value])
                .values_panic([1.into(), 0i64.into()])
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ChangeCounter::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ChangeFeed::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ChangeFeed {
    Table,
    Seq,
    ResourceType,
    ResourceId,
    BlocId,
    Operation,
    Version,
    ChangedAt,
}

#[derive(DeriveIden)]
enum ChangeCounter {
    Table,
    Id,
    Value,
}
