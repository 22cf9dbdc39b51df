use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .col(uuid(Campaigns::Id).primary_key())
                    .col(uuid(Campaigns::BlocId))
                    .col(string_len(Campaigns::Name, 300))
                    .col(string_len(Campaigns::NameFolded, 300))
                    .col(string_len(Campaigns::Kind, 20))
                    .col(text_null(Campaigns::Description))
                    .col(uuid(Campaigns::LeadOrganisationId))
                    .col(date(Campaigns::StartOn))
                    .col(date(Campaigns::EndOn))
                    .col(string_len(Campaigns::Status, 20))
                    .col(uuid(Campaigns::CreatedBy))
                    .col(integer(Campaigns::Version).default(1))
                    .col(timestamp_with_time_zone(Campaigns::CreatedAt))
                    .col(timestamp_with_time_zone(Campaigns::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_campaigns_bloc")
                            .from(Campaigns::Table, Campaigns::BlocId)
                            .to(Blocs::Table, Blocs::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_campaigns_lead")
                            .from(Campaigns::Table, Campaigns::LeadOrganisationId)
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_campaigns_bloc_name")
                    .table(Campaigns::Table)
                    .col(Campaigns::BlocId)
                    .col(Campaigns::NameFolded)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_campaigns_bloc_status", Campaigns::Status),
            ("ix_campaigns_bloc_start", Campaigns::StartOn),
            ("ix_campaigns_bloc_lead", Campaigns::LeadOrganisationId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Campaigns::Table)
                        .col(Campaigns::BlocId)
                        .col(col)
                        .col(Campaigns::Id)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(CampaignOrganisations::Table)
                    .col(uuid(CampaignOrganisations::CampaignId))
                    .col(uuid(CampaignOrganisations::OrganisationId))
                    .col(uuid(CampaignOrganisations::BlocId))
                    .primary_key(
                        Index::create()
                            .col(CampaignOrganisations::CampaignId)
                            .col(CampaignOrganisations::OrganisationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_campaign_organisations_campaign")
                            .from(
                                CampaignOrganisations::Table,
                                CampaignOrganisations::CampaignId,
                            )
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_campaign_organisations_org")
                            .from(
                                CampaignOrganisations::Table,
                                CampaignOrganisations::OrganisationId,
                            )
                            .to(Organisations::Table, Organisations::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignTargets::Table)
                    .col(uuid(CampaignTargets::Id).primary_key())
                    .col(uuid(CampaignTargets::BlocId))
                    .col(uuid(CampaignTargets::CampaignId))
                    .col(string_len(CampaignTargets::Indicator, 300))
                    .col(string_len(CampaignTargets::Measure, 20))
                    .col(string_len(CampaignTargets::Aggregation, 20))
                    // Which units report: every unit of the bloc, or those of one kind.
                    .col(string_len_null(CampaignTargets::UnitKind, 40))
                    .col(double(CampaignTargets::BaselineValue))
                    .col(date(CampaignTargets::BaselineOn))
                    .col(double(CampaignTargets::TargetValue))
                    .col(date(CampaignTargets::Deadline))
                    .col(boolean(CampaignTargets::HigherIsBetter))
                    .col(uuid(CampaignTargets::CreatedBy))
                    .col(integer(CampaignTargets::Version).default(1))
                    .col(timestamp_with_time_zone(CampaignTargets::CreatedAt))
                    .col(timestamp_with_time_zone(CampaignTargets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_campaign_targets_campaign")
                            .from(CampaignTargets::Table, CampaignTargets::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_campaign_targets_campaign")
                    .table(CampaignTargets::Table)
                    .col(CampaignTargets::CampaignId)
                    .col(CampaignTargets::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignMeasurements::Table)
                    .col(uuid(CampaignMeasurements::Id).primary_key())
                    .col(uuid(CampaignMeasurements::BlocId))
                    .col(uuid(CampaignMeasurements::CampaignId))
                    .col(uuid(CampaignMeasurements::TargetId))
                    .col(uuid(CampaignMeasurements::UnitId))
                    .col(date(CampaignMeasurements::AsOf))
                    .col(double_null(CampaignMeasurements::Value))
                    .col(double_null(CampaignMeasurements::Numerator))
                    .col(double_null(CampaignMeasurements::Denominator))
                    .col(boolean_null(CampaignMeasurements::Met))
                    .col(string_len_null(CampaignMeasurements::Source, 300))
                    .col(string_len_null(CampaignMeasurements::EvidenceUrl, 2000))
                    .col(text_null(CampaignMeasurements::Note))
                    .col(uuid_null(CampaignMeasurements::SupersedesId))
                    // Set once, when a correction replaces this figure; the figure itself never changes.
                    .col(uuid_null(CampaignMeasurements::SupersededBy))
                    .col(uuid(CampaignMeasurements::RecordedBy))
                    .col(uuid_null(CampaignMeasurements::RecordedByStaffId))
                    .col(timestamp_with_time_zone(CampaignMeasurements::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_measurements_target")
                            .from(CampaignMeasurements::Table, CampaignMeasurements::TargetId)
                            .to(CampaignTargets::Table, CampaignTargets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_measurements_unit")
                            .from(CampaignMeasurements::Table, CampaignMeasurements::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Progress reads each unit's latest figure in date order: one range scan per target.
        manager
            .create_index(
                Index::create()
                    .name("ix_measurements_target_unit_as_of")
                    .table(CampaignMeasurements::Table)
                    .col(CampaignMeasurements::TargetId)
                    .col(CampaignMeasurements::UnitId)
                    .col(CampaignMeasurements::AsOf)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_measurements_target_as_of")
                    .table(CampaignMeasurements::Table)
                    .col(CampaignMeasurements::TargetId)
                    .col(CampaignMeasurements::AsOf)
                    .col(CampaignMeasurements::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignRegistrations::Table)
                    .col(uuid(CampaignRegistrations::Id).primary_key())
                    .col(uuid(CampaignRegistrations::BlocId))
                    .col(uuid(CampaignRegistrations::CampaignId))
                    .col(uuid_null(CampaignRegistrations::UnitId))
                    .col(uuid_null(CampaignRegistrations::OrganisationId))
                    .col(string_len(CampaignRegistrations::Title, 300))
                    .col(date(CampaignRegistrations::RegisteredOn))
                    .col(string_len(CampaignRegistrations::Status, 20))
                    .col(text_null(CampaignRegistrations::Note))
                    .col(uuid(CampaignRegistrations::CreatedBy))
                    .col(integer(CampaignRegistrations::Version).default(1))
                    .col(timestamp_with_time_zone(CampaignRegistrations::CreatedAt))
                    .col(timestamp_with_time_zone(CampaignRegistrations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_registrations_campaign")
                            .from(
                                CampaignRegistrations::Table,
                                CampaignRegistrations::CampaignId,
                            )
                            .to(Campaigns::Table, Campaigns::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_campaign")
                    .table(CampaignRegistrations::Table)
                    .col(CampaignRegistrations::CampaignId)
                    .col(CampaignRegistrations::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            CampaignRegistrations::Table.into_iden(),
            CampaignMeasurements::Table.into_iden(),
            CampaignTargets::Table.into_iden(),
            CampaignOrganisations::Table.into_iden(),
            Campaigns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    BlocId,
    Name,
    NameFolded,
    Kind,
    Description,
    LeadOrganisationId,
    StartOn,
    EndOn,
    Status,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CampaignOrganisations {
    Table,
    CampaignId,
    OrganisationId,
    BlocId,
}

#[derive(DeriveIden)]
enum CampaignTargets {
    Table,
    Id,
    BlocId,
    CampaignId,
    Indicator,
    Measure,
    Aggregation,
    UnitKind,
    BaselineValue,
    BaselineOn,
    TargetValue,
    Deadline,
    HigherIsBetter,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CampaignMeasurements {
    Table,
    Id,
    BlocId,
    CampaignId,
    TargetId,
    UnitId,
    AsOf,
    Value,
    Numerator,
    Denominator,
    Met,
    Source,
    EvidenceUrl,
    Note,
    SupersedesId,
    SupersededBy,
    RecordedBy,
    RecordedByStaffId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CampaignRegistrations {
    Table,
    Id,
    BlocId,
    CampaignId,
    UnitId,
    OrganisationId,
    Title,
    RegisteredOn,
    Status,
    Note,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Blocs {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}
