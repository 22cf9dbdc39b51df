use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

const HEADED: [(&str, &str); 2] = [
    ("sub_committees", "idx_sub_committees_head_staff"),
    ("organisations", "idx_organisations_head_staff"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// What a person heads is read with every token check (issue 19): without these, each check
    /// scanned every sub-committee and organisation of every bloc (20,000 rows in a country).
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in HEADED {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(a(table))
                    .col(a("head_staff_id"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in HEADED {
            m.drop_index(Index::drop().name(name).table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
