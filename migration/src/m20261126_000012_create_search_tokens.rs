use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The words of each searchable resource, folded (lower case, no diacritics, đ → d).
        // `q=` becomes prefix range scans on the primary key: indexed on both databases.
        manager
            .create_table(
                Table::create()
                    .table(SearchTokens::Table)
                    .col(string_len(SearchTokens::ResourceType, 20))
                    .col(uuid(SearchTokens::BlocId))
                    .col(string_len(SearchTokens::Token, 64))
                    .col(uuid(SearchTokens::ResourceId))
                    .primary_key(
                        Index::create()
                            .col(SearchTokens::ResourceType)
                            .col(SearchTokens::BlocId)
                            .col(SearchTokens::Token)
                            .col(SearchTokens::ResourceId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_search_tokens_resource")
                    .table(SearchTokens::Table)
                    .col(SearchTokens::ResourceId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SearchTokens {
    Table,
    ResourceType,
    BlocId,
    Token,
    ResourceId,
}
