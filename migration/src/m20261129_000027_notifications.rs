use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut ix = Index::create();
    ix.name(name).table(a(table));
    if unique {
        ix.unique();
    }
    for c in cols {
        ix.col(a(c));
    }
    m.create_index(ix.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Work that reaches people (issue 17).
    ///
    /// - `notifications`: a person's inbox; `dedupe_key` makes a time-based one (a reminder)
    ///   written once however many instances or passes see it due.
    /// - `notification_sends`: each email or push to make, claimed and retried as webhook
    ///   deliveries are; never sent inside the request that caused it.
    /// - `notification_preferences`, `push_subscriptions`: a person's channels.
    /// - `schedule_marks`: one row per time-based event already made (a task's due-soon or
    ///   overdue for one deadline, a digest for one day), so catching up sends nothing twice.
    /// - Blocs gain `due_soon_days`: the days before a deadline their people are reminded.
    /// - `comments`, `task_series` with `series_instances`: discussion and recurring work.
    /// - Meetings gain a status (`planned`, `held`, `cancelled`); existing ones were held.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("notifications"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("account_id")))
                .col(uuid_null(a("bloc_id")))
                .col(string_len(a("kind"), 40))
                .col(string_len(a("title"), 500))
                .col(text(a("body")))
                .col(string_len_null(a("href"), 300))
                .col(string_len_null(a("resource_type"), 40))
                .col(uuid_null(a("resource_id")))
                .col(boolean(a("urgent")).default(false))
                .col(string_len_null(a("dedupe_key"), 200))
                .col(timestamp_with_time_zone_null(a("read_at")))
                .col(boolean(a("dispatched")).default(false))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "notifications_inbox",
            "notifications",
            &["account_id", "id"],
            false,
        )
        .await?;
        index(
            m,
            "ux_notifications_dedupe",
            "notifications",
            &["dedupe_key"],
            true,
        )
        .await?;
        index(
            m,
            "notifications_undispatched",
            "notifications",
            &["dispatched", "id"],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("notification_sends"))
                .col(uuid(a("id")).primary_key())
                .col(uuid_null(a("notification_id")))
                .col(uuid(a("account_id")))
                .col(string_len(a("channel"), 10))
                .col(string_len(a("target"), 2000))
                .col(text(a("payload")))
                .col(string_len(a("status"), 20))
                .col(integer(a("attempts")).default(0))
                .col(timestamp_with_time_zone(a("next_attempt_at")))
                .col(string_len_null(a("claimed_by"), 100))
                .col(timestamp_with_time_zone_null(a("claimed_until")))
                .col(integer_null(a("last_status_code")))
                .col(string_len_null(a("last_error"), 500))
                .col(timestamp_with_time_zone_null(a("delivered_at")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "notification_sends_due",
            "notification_sends",
            &["status", "next_attempt_at"],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("notification_preferences"))
                .col(uuid(a("account_id")).primary_key())
                .col(string_len_null(a("email"), 254))
                .col(boolean(a("quiet_hours")).default(true))
                .col(boolean(a("digest")).default(false))
                .col(text(a("channels")))
                .col(string_len_null(a("calendar_secret_hash"), 64))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_preferences_calendar",
            "notification_preferences",
            &["calendar_secret_hash"],
            true,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("push_subscriptions"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("account_id")))
                .col(string_len(a("endpoint"), 2000))
                .col(string_len(a("endpoint_hash"), 64))
                .col(string_len(a("p256dh"), 200))
                .col(string_len(a("auth"), 100))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_push_subscriptions",
            "push_subscriptions",
            &["account_id", "endpoint_hash"],
            true,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("schedule_marks"))
                .col(string_len(a("kind"), 30))
                .col(uuid(a("subject_id")))
                .col(date(a("on_date")))
                .col(timestamp_with_time_zone(a("created_at")))
                .primary_key(
                    Index::create()
                        .col(a("kind"))
                        .col(a("subject_id"))
                        .col(a("on_date")),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a("blocs"))
                .add_column(integer(a("due_soon_days")).default(2))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("comments"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(string_len(a("resource_type"), 30))
                .col(uuid(a("resource_id")))
                .col(uuid(a("author_id")))
                .col(text(a("body")))
                .col(text(a("mentions")))
                .col(boolean(a("retracted")).default(false))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "comments_on",
            "comments",
            &["resource_type", "resource_id", "id"],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("task_series"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(string_len(a("title"), 500))
                .col(text(a("description")))
                .col(text(a("expected_result")))
                .col(uuid(a("lead_organisation_id")))
                .col(uuid_null(a("sub_committee_id")))
                .col(uuid(a("assignee_id")))
                .col(small_integer(a("priority")))
                .col(string_len(a("rule"), 200))
                .col(integer(a("due_after_days")))
                .col(integer(a("lead_days")))
                .col(date(a("starts_on")))
                .col(date_null(a("until")))
                .col(string_len(a("status"), 10))
                .col(uuid(a("created_by")))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("series_instances"))
                .col(uuid(a("series_id")))
                .col(date(a("occurs_on")))
                .col(uuid(a("task_id")))
                .primary_key(Index::create().col(a("series_id")).col(a("occurs_on")))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a("meetings"))
                .add_column(string_len(a("status"), 10).default("held"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("meetings"))
                .drop_column(a("status"))
                .to_owned(),
        )
        .await?;
        for t in [
            "series_instances",
            "task_series",
            "comments",
            "schedule_marks",
            "push_subscriptions",
            "notification_preferences",
            "notification_sends",
            "notifications",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
