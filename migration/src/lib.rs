//! Schema history. Each file is frozen once it has landed: change the schema with a new file.
//! Only portable types (strings for enums, no Postgres-only types) so SQLite and PostgreSQL share it.
pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_blocs;
mod m20261126_000002_create_accounts;
mod m20261126_000003_create_refresh_tokens;
mod m20261126_000004_create_login_failures;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_blocs::Migration),
            Box::new(m20261126_000002_create_accounts::Migration),
            Box::new(m20261126_000003_create_refresh_tokens::Migration),
            Box::new(m20261126_000004_create_login_failures::Migration),
        ]
    }
}
