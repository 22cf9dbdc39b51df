use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BY_ID: (&str, &[&str]) = ("ix_search_tokens_resource", &["resource_id"]);
const BY_ID_AND_WORD: (&str, &[&str]) =
    ("ix_search_tokens_resource_token", &["resource_id", "token"]);

/// Creates `new` on `search_tokens`, then drops `old`.
async fn replace(m: &SchemaManager<'_>, new: (&str, &[&str]), old: &str) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(new.0).table(Alias::new("search_tokens"));
    for col in new.1 {
        index.col(Alias::new(*col));
    }
    m.create_index(index).await?;
    m.drop_index(
        Index::drop()
            .name(old)
            .table(Alias::new("search_tokens"))
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// A common word is looked up for each row a search walks, by the row's id and the word
    /// (issue 19): with the id alone, each look-up read every word of the resource (about ten
    /// rows, each on its own page); with the word too, the index answers it alone. Deleting a
    /// resource's words by its id uses the new index as it used the old.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, BY_ID_AND_WORD, BY_ID.0).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, BY_ID, BY_ID_AND_WORD.0).await
    }
}
