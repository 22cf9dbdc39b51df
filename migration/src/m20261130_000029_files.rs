use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(s: &str) -> Alias {
    Alias::new(s)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// Attachments (issue 18). `file_blobs` are the stored contents, one per distinct content in
    /// a bloc (its SHA-256), counted against the bloc's quota and removed from the store when
    /// no file refers to them any more (`refs`). `files` are what people uploaded: a name, who,
    /// when, and what it is attached to (one resource), or removed. Blocs gain
    /// `keep_photo_metadata`: whether photos keep their location and camera metadata.
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("blocs"))
                .add_column(boolean(a("keep_photo_metadata")).default(false))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("file_blobs"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(string_len(a("sha256"), 64))
                .col(big_integer(a("size")))
                .col(string(a("media_type")))
                .col(string(a("storage_key")))
                .col(integer(a("refs")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_file_blobs_bloc_sha256")
                .table(a("file_blobs"))
                .col(a("bloc_id"))
                .col(a("sha256"))
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("files"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(uuid(a("blob_id")))
                .col(string_len(a("name"), 1024))
                .col(string(a("media_type")))
                .col(big_integer(a("size")))
                .col(string_len(a("sha256"), 64))
                .col(uuid(a("uploaded_by")))
                .col(string_null(a("attached_type")))
                .col(uuid_null(a("attached_id")))
                .col(timestamp_with_time_zone_null(a("attached_at")))
                .col(timestamp_with_time_zone_null(a("removed_at")))
                .col(integer(a("version")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_files_attached")
                .table(a("files"))
                .col(a("attached_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_files_bloc_created")
                .table(a("files"))
                .col(a("bloc_id"))
                .col(a("created_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("files")).to_owned())
            .await?;
        m.drop_table(Table::drop().table(a("file_blobs")).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(a("blocs"))
                .drop_column(a("keep_photo_metadata"))
                .to_owned(),
        )
        .await
    }
}
