use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

/// The columns added to `file_blobs`, one statement each (SQLite adds one per ALTER).
const COLUMNS: [&str; 3] = ["preview_state", "preview_size", "preview_claimed_at"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Previews for phones (issue 18): a stored image content gets one small JPEG, made once in
    /// the background. `preview_state` is null for contents that get none (documents, video,
    /// HEIC), else `pending`, `making` (claimed by one instance at `preview_claimed_at`),
    /// `ready` or `failed`; the preview is stored beside the content (`<storage_key>.preview`).
    /// Images stored before this migration are queued.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            string_len_null(a(COLUMNS[0]), 16),
            big_integer_null(a(COLUMNS[1])),
            timestamp_with_time_zone_null(a(COLUMNS[2])),
        ] {
            m.alter_table(
                Table::alter()
                    .table(a("file_blobs"))
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_file_blobs_preview_state")
                .table(a("file_blobs"))
                .col(a("preview_state"))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE file_blobs SET preview_state = 'pending' \
                 WHERE media_type IN ('image/jpeg', 'image/png', 'image/webp')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_file_blobs_preview_state")
                .table(a("file_blobs"))
                .to_owned(),
        )
        .await?;
        for col in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(a("file_blobs"))
                    .drop_column(a(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
