use sea_orm_migration::{prelude::*, schema::*};

/// Supervision and social-criticism records, meetings and their decisions, staff assigned to
/// grassroots units, and directives dispatched to units.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(name: &str, from: (Alias, Alias), to: (Alias, Alias)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

fn a(s: &str) -> Alias {
    Alias::new(s)
}

async fn index(m: &SchemaManager<'_>, name: &str, table: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(a(table));
    for c in cols {
        i.col(a(c));
    }
    m.create_index(i.to_owned()).await
}

async fn link_table(
    m: &SchemaManager<'_>,
    table: &str,
    owner: (&str, &str),
    other: (&str, &str),
) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(a(table))
            .col(uuid(a(owner.0)))
            .col(uuid(a(other.0)))
            .col(uuid(a("bloc_id")))
            .primary_key(Index::create().col(a(owner.0)).col(a(other.0)))
            .foreign_key(&mut fk(
                &format!("fk_{table}_{}", owner.1),
                (a(table), a(owner.0)),
                (a(owner.1), a("id")),
            ))
            .foreign_key(&mut fk(
                &format!("fk_{table}_{}", other.1),
                (a(table), a(other.0)),
                (a(other.1), a("id")),
            ))
            .to_owned(),
    )
    .await?;
    index(m, &format!("ix_{table}_{}", other.0), table, &[other.0]).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("supervisions"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(string_len(a("kind"), 20))
                .col(string_len(a("title"), 300))
                .col(string_len(a("subject"), 500))
                .col(uuid_null(a("directive_id")))
                .col(uuid_null(a("lead_organisation_id")))
                .col(uuid_null(a("sub_committee_id")))
                .col(date(a("planned_start")))
                .col(date(a("planned_end")))
                .col(string_len(a("status"), 20))
                .col(text_null(a("conclusion")))
                .col(uuid(a("created_by")))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(
                    "fk_supervisions_bloc",
                    (a("supervisions"), a("bloc_id")),
                    (a("blocs"), a("id")),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_supervisions_bloc_status",
            "supervisions",
            &["bloc_id", "status", "id"],
        )
        .await?;
        index(
            m,
            "ix_supervisions_bloc_start",
            "supervisions",
            &["bloc_id", "planned_start", "id"],
        )
        .await?;
        link_table(
            m,
            "supervision_members",
            ("supervision_id", "supervisions"),
            ("staff_id", "staff"),
        )
        .await?;
        link_table(
            m,
            "supervision_units",
            ("supervision_id", "supervisions"),
            ("unit_id", "units"),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("supervision_findings"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(uuid(a("supervision_id")))
                .col(text(a("text")))
                .col(string_len(a("severity"), 20))
                .col(uuid(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk(
                    "fk_findings_supervision",
                    (a("supervision_findings"), a("supervision_id")),
                    (a("supervisions"), a("id")),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_findings_supervision",
            "supervision_findings",
            &["supervision_id", "id"],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("supervision_recommendations"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(uuid(a("supervision_id")))
                .col(text(a("text")))
                .col(string_len(a("addressee"), 300))
                .col(date_null(a("due_on")))
                .col(string_len(a("status"), 20))
                .col(date_null(a("closed_on")))
                .col(uuid(a("created_by")))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(
                    "fk_recommendations_supervision",
                    (a("supervision_recommendations"), a("supervision_id")),
                    (a("supervisions"), a("id")),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_recommendations_supervision",
            "supervision_recommendations",
            &["supervision_id", "id"],
        )
        .await?;
        index(
            m,
            "ix_recommendations_bloc_status_due",
            "supervision_recommendations",
            &["bloc_id", "status", "due_on"],
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("recommendation_responses"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(uuid(a("recommendation_id")))
                .col(date(a("responded_on")))
                .col(text(a("text")))
                .col(string_len_null(a("status"), 20))
                .col(uuid(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk(
                    "fk_responses_recommendation",
                    (a("recommendation_responses"), a("recommendation_id")),
                    (a("supervision_recommendations"), a("id")),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_responses_recommendation",
            "recommendation_responses",
            &["recommendation_id", "id"],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("meetings"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(string_len(a("kind"), 30))
                .col(string_len(a("title"), 300))
                .col(date(a("held_on")))
                .col(uuid_null(a("chair_staff_id")))
                .col(text_null(a("agenda")))
                .col(text_null(a("minutes")))
                .col(uuid(a("created_by")))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(
                    "fk_meetings_bloc",
                    (a("meetings"), a("bloc_id")),
                    (a("blocs"), a("id")),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_meetings_bloc_held",
            "meetings",
            &["bloc_id", "held_on", "id"],
        )
        .await?;
        index(
            m,
            "ix_meetings_bloc_kind",
            "meetings",
            &["bloc_id", "kind", "id"],
        )
        .await?;
        link_table(
            m,
            "meeting_attendees",
            ("meeting_id", "meetings"),
            ("staff_id", "staff"),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("meeting_decisions"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(uuid(a("meeting_id")))
                .col(text(a("text")))
                .col(uuid_null(a("task_id")))
                .col(uuid(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk(
                    "fk_decisions_meeting",
                    (a("meeting_decisions"), a("meeting_id")),
                    (a("meetings"), a("id")),
                ))
                .foreign_key(&mut fk(
                    "fk_decisions_task",
                    (a("meeting_decisions"), a("task_id")),
                    (a("tasks"), a("id")),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_decisions_meeting",
            "meeting_decisions",
            &["meeting_id", "id"],
        )
        .await?;
        index(m, "ix_decisions_task", "meeting_decisions", &["task_id"]).await?;

        m.create_table(
            Table::create()
                .table(a("unit_assignments"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(uuid(a("staff_id")))
                .col(uuid(a("unit_id")))
                .col(string_len(a("purpose"), 30))
                .col(date(a("start_on")))
                .col(date_null(a("end_on")))
                .col(text_null(a("notes")))
                .col(uuid(a("created_by")))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(
                    "fk_unit_assignments_staff",
                    (a("unit_assignments"), a("staff_id")),
                    (a("staff"), a("id")),
                ))
                .foreign_key(&mut fk(
                    "fk_unit_assignments_unit",
                    (a("unit_assignments"), a("unit_id")),
                    (a("units"), a("id")),
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_unit_assignments_unit",
            "unit_assignments",
            &["bloc_id", "unit_id", "purpose", "start_on"],
        )
        .await?;
        index(
            m,
            "ix_unit_assignments_staff",
            "unit_assignments",
            &["bloc_id", "staff_id", "start_on"],
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("directive_dispatches"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("bloc_id")))
                .col(uuid(a("directive_id")))
                .col(uuid(a("unit_id")))
                .col(date(a("sent_on")))
                .col(date_null(a("due_on")))
                .col(date_null(a("acknowledged_on")))
                .col(date_null(a("reported_on")))
                .col(text_null(a("report")))
                .col(uuid(a("created_by")))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(
                    "fk_dispatches_directive",
                    (a("directive_dispatches"), a("directive_id")),
                    (a("directives"), a("id")),
                ))
                .foreign_key(&mut fk(
                    "fk_dispatches_unit",
                    (a("directive_dispatches"), a("unit_id")),
                    (a("units"), a("id")),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_dispatches_directive_unit")
                .table(a("directive_dispatches"))
                .col(a("directive_id"))
                .col(a("unit_id"))
                .unique()
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ix_dispatches_bloc_reported",
            "directive_dispatches",
            &["bloc_id", "reported_on", "id"],
        )
        .await?;

        // A task made by a meeting's decision points back at it.
        m.alter_table(
            Table::alter()
                .table(a("tasks"))
                .add_column(uuid_null(a("meeting_decision_id")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("tasks"))
                .drop_column(a("meeting_decision_id"))
                .to_owned(),
        )
        .await?;
        for t in [
            "directive_dispatches",
            "unit_assignments",
            "meeting_decisions",
            "meeting_attendees",
            "meetings",
            "recommendation_responses",
            "supervision_recommendations",
            "supervision_findings",
            "supervision_units",
            "supervision_members",
            "supervisions",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
