use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(uuid(AuditLog::Id).primary_key())
                    .col(uuid_null(AuditLog::BlocId))
                    .col(uuid_null(AuditLog::ActorId))
                    .col(string_len(AuditLog::Action, 32))
                    .col(string_len(AuditLog::ResourceType, 40))
                    .col(uuid(AuditLog::ResourceId))
                    // JSON object {field: {"before": …, "after": …}} as text: portable.
                    .col(text(AuditLog::Changes))
                    .col(string_len_null(AuditLog::RequestId, 128))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_audit_log_bloc", vec![AuditLog::BlocId, AuditLog::Id]),
            (
                "ix_audit_log_resource",
                vec![AuditLog::ResourceType, AuditLog::ResourceId, AuditLog::Id],
            ),
            ("ix_audit_log_actor", vec![AuditLog::ActorId, AuditLog::Id]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(AuditLog::Table);
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    BlocId,
    ActorId,
    Action,
    ResourceType,
    ResourceId,
    Changes,
    RequestId,
    CreatedAt,
}
