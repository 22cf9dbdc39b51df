//! What the seed writes directly is announced like any other write.
use sea_orm::{ConnectionTrait, DbErr, Statement};
use uuid::Uuid;

/// The tables the seed writes directly: resource type, table, whether rows carry a version,
/// and the column naming the bloc. (Tasks and their reports are made through their services.)
const SEEDED: [(&str, &str, bool, &str); 17] = [
    ("bloc", "blocs", true, "id"),
    ("organisation", "organisations", true, "bloc_id"),
    ("sub_committee", "sub_committees", true, "bloc_id"),
    ("staff", "staff", true, "bloc_id"),
    ("account", "accounts", true, "bloc_id"),
    ("unit", "units", true, "bloc_id"),
    ("unit_assignment", "unit_assignments", true, "bloc_id"),
    ("directive", "directives", true, "bloc_id"),
    (
        "directive_dispatch",
        "directive_dispatches",
        true,
        "bloc_id",
    ),
    ("campaign", "campaigns", true, "bloc_id"),
    ("campaign_target", "campaign_targets", true, "bloc_id"),
    (
        "campaign_measurement",
        "campaign_measurements",
        false,
        "bloc_id",
    ),
    (
        "campaign_registration",
        "campaign_registrations",
        true,
        "bloc_id",
    ),
    ("meeting", "meetings", true, "bloc_id"),
    ("supervision", "supervisions", true, "bloc_id"),
    (
        "supervision_finding",
        "supervision_findings",
        false,
        "bloc_id",
    ),
    (
        "supervision_recommendation",
        "supervision_recommendations",
        true,
        "bloc_id",
    ),
];

/// Announces every row the seed wrote as created (audit log, change feed, webhooks), so a
/// reader following the feed from its start knows the whole demo bloc.
pub(super) async fn announce_seeded(
    conn: &impl ConnectionTrait,
    bloc_id: Uuid,
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let param = if backend == sea_orm::DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    for (kind, table, versioned, column) in SEEDED {
        let version = if versioned { ", version" } else { "" };
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!("SELECT id{version} FROM {table} WHERE {column} = {param} ORDER BY id"),
                [bloc_id.into()],
            ))
            .await?;
        for r in rows {
            let id: Uuid = r.try_get_by_index(0)?;
            let after = if versioned {
                serde_json::json!({"seeded": "demo", "version": r.try_get_by_index::<i32>(1)?})
            } else {
                serde_json::json!({"seeded": "demo"})
            };
            crate::audit::log_and_announce_by_system(
                conn,
                crate::audit::Entry {
                    action: "create",
                    resource_type: kind,
                    resource_id: id,
                    bloc_id: Some(bloc_id),
                    before: None,
                    after: Some(after),
                },
            )
            .await?;
        }
    }
    Ok(())
}
