//! Schema history. Each file is frozen once it has landed: change the schema with a new file.
//! Only portable types (strings for enums, no Postgres-only types) so SQLite and PostgreSQL share it.
pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_blocs;
mod m20261126_000002_create_accounts;
mod m20261126_000003_create_refresh_tokens;
mod m20261126_000004_create_login_failures;
mod m20261126_000005_create_organisations;
mod m20261126_000006_create_sub_committees;
mod m20261126_000007_create_staff;
mod m20261126_000008_create_staff_assignments;
mod m20261126_000009_create_units;
mod m20261126_000010_add_accounts_staff_id;
mod m20261126_000011_create_audit_log;
mod m20261126_000012_create_search_tokens;
mod m20261126_000013_create_directives;
mod m20261126_000014_create_tasks;
mod m20261126_000015_create_idempotency_keys;
mod m20261126_000016_index_open_tasks_by_assignee;
mod m20261127_000017_create_campaigns;
mod m20261127_000018_create_supervision_meetings;
mod m20261127_000019_create_change_feed;
mod m20261127_000020_create_api_clients;
mod m20261127_000021_create_webhooks;
mod m20261129_000022_harden;
mod m20261129_000023_business_dates;
mod m20261129_000024_onboarding;
mod m20261129_000025_between_levels;
mod m20261129_000026_evidence;
mod m20261129_000027_notifications;
mod m20261130_000028_inbox_version;
mod m20261130_000029_files;
mod m20261130_000030_previews;
mod m20261130_000031_change_positions;
mod m20261130_000032_task_tallies;
mod m20261130_000033_numbered_at_commit;
mod m20261201_000034_head_indexes;
mod m20261203_000035_search_token_probe;
mod m20261203_000036_search_token_probe_undone;
mod m20261203_000037_search_token_lookup;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_blocs::Migration),
            Box::new(m20261126_000002_create_accounts::Migration),
            Box::new(m20261126_000003_create_refresh_tokens::Migration),
            Box::new(m20261126_000004_create_login_failures::Migration),
            Box::new(m20261126_000005_create_organisations::Migration),
            Box::new(m20261126_000006_create_sub_committees::Migration),
            Box::new(m20261126_000007_create_staff::Migration),
            Box::new(m20261126_000008_create_staff_assignments::Migration),
            Box::new(m20261126_000009_create_units::Migration),
            Box::new(m20261126_000010_add_accounts_staff_id::Migration),
            Box::new(m20261126_000011_create_audit_log::Migration),
            Box::new(m20261126_000012_create_search_tokens::Migration),
            Box::new(m20261126_000013_create_directives::Migration),
            Box::new(m20261126_000014_create_tasks::Migration),
            Box::new(m20261126_000015_create_idempotency_keys::Migration),
            Box::new(m20261126_000016_index_open_tasks_by_assignee::Migration),
            Box::new(m20261127_000017_create_campaigns::Migration),
            Box::new(m20261127_000018_create_supervision_meetings::Migration),
            Box::new(m20261127_000019_create_change_feed::Migration),
            Box::new(m20261127_000020_create_api_clients::Migration),
            Box::new(m20261127_000021_create_webhooks::Migration),
            Box::new(m20261129_000022_harden::Migration),
            Box::new(m20261129_000023_business_dates::Migration),
            Box::new(m20261129_000024_onboarding::Migration),
            Box::new(m20261129_000025_between_levels::Migration),
            Box::new(m20261129_000026_evidence::Migration),
            Box::new(m20261129_000027_notifications::Migration),
            Box::new(m20261130_000028_inbox_version::Migration),
            Box::new(m20261130_000029_files::Migration),
            Box::new(m20261130_000030_previews::Migration),
            Box::new(m20261130_000031_change_positions::Migration),
            Box::new(m20261130_000032_task_tallies::Migration),
            Box::new(m20261130_000033_numbered_at_commit::Migration),
            Box::new(m20261201_000034_head_indexes::Migration),
            Box::new(m20261203_000035_search_token_probe::Migration),
            Box::new(m20261203_000036_search_token_probe_undone::Migration),
            Box::new(m20261203_000037_search_token_lookup::Migration),
        ]
    }
}
