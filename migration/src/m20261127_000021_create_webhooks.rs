use sea_orm_migration::{prelude::*, schema::*};

/// Webhooks and their deliveries. A delivery row is written in the same transaction as the
/// change it reports, so a restart or a crash loses none; instances claim due rows with a
/// conditional update, so each attempt is made by exactly one of them.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Webhooks::Table)
                .col(uuid(Webhooks::Id).primary_key())
                .col(uuid_null(Webhooks::BlocId))
                .col(string_len(Webhooks::Url, 2000))
                .col(string_len(Webhooks::Description, 500))
                .col(string_len(Webhooks::Events, 2000))
                .col(string_len(Webhooks::Secret, 100))
                .col(boolean(Webhooks::Active))
                .col(integer(Webhooks::ConsecutiveFailures).default(0))
                .col(string_len_null(Webhooks::DisabledReason, 500))
                .col(uuid(Webhooks::CreatedBy))
                .col(integer(Webhooks::Version).default(1))
                .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("webhooks_active_bloc")
                .table(Webhooks::Table)
                .col(Webhooks::Active)
                .col(Webhooks::BlocId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(uuid(WebhookDeliveries::Id).primary_key())
                .col(uuid(WebhookDeliveries::WebhookId))
                .col(big_integer_null(WebhookDeliveries::Seq))
                .col(string_len(WebhookDeliveries::Event, 100))
                .col(text(WebhookDeliveries::Payload))
                .col(string_len(WebhookDeliveries::Status, 20))
                .col(integer(WebhookDeliveries::Attempts).default(0))
                .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                .col(string_len_null(WebhookDeliveries::ClaimedBy, 100))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::ClaimedUntil,
                ))
                .col(integer_null(WebhookDeliveries::LastStatusCode))
                .col(string_len_null(WebhookDeliveries::LastError, 500))
                .col(integer_null(WebhookDeliveries::LastDurationMs))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::LastAttemptAt,
                ))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::DeliveredAt,
                ))
                .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                        .to(Webhooks::Table, Webhooks::Id),
                )
                .to_owned(),
        )
        .await?;
        // The worker's question: which pending deliveries are due?
        m.create_index(
            Index::create()
                .name("webhook_deliveries_due")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::Status)
                .col(WebhookDeliveries::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        // The delivery log of one hook, newest first.
        m.create_index(
            Index::create()
                .name("webhook_deliveries_by_hook")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::WebhookId)
                .col(WebhookDeliveries::Id)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Webhooks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    BlocId,
    Url,
    Description,
    Events,
    Secret,
    Active,
    ConsecutiveFailures,
    DisabledReason,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    Seq,
    Event,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    LastStatusCode,
    LastError,
    LastDurationMs,
    LastAttemptAt,
    DeliveredAt,
    CreatedAt,
}
