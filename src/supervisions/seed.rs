//! For `seed-demo`: the bloc's first supervision (with findings and recommendations), its first
//! weekly leadership meeting and first monthly review of 2016, and a cadre watching each commune
//! and the town for the People's Council elections of 22 May 2016.
use crate::{
    entities::{
        meeting, meeting_attendee, meeting_decision, recommendation, recommendation_response,
        supervision, supervision_finding, supervision_member, supervision_unit, unit_assignment,
    },
    search,
};
use chrono::{NaiveDate, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use std::collections::HashMap;
use uuid::Uuid;

pub struct Context<'a> {
    pub bloc_id: Uuid,
    pub organisations: &'a HashMap<&'static str, Uuid>,
    pub sub_committees: &'a HashMap<&'static str, Uuid>,
    /// (staff id, role, sub-committee code) in `CADRES` order: the bloc head first.
    pub cadres: &'a [(Uuid, &'static str, &'static str)],
    /// (id, name, kind) in `UNITS` order.
    pub units: &'a [(Uuid, &'static str, &'static str)],
    pub recorded_by: Uuid,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// A time on a Vietnamese working day: 08:00 in Hà Nội is 01:00 UTC.
fn at(day: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).unwrap_or_default())
}

pub async fn seed(conn: &impl ConnectionTrait, ctx: &Context<'_>) -> Result<(), DbErr> {
    let head = ctx.cadres[0].0;
    let deputies: Vec<Uuid> = ctx
        .cadres
        .iter()
        .filter(|c| c.1 == "deputy_head")
        .map(|c| c.0)
        .collect();
    let ktgs_staff: Vec<Uuid> = ctx
        .cadres
        .iter()
        .filter(|c| c.1 == "staff" && c.2 == "KTGS")
        .map(|c| c.0)
        .collect();
    let staff: Vec<Uuid> = ctx
        .cadres
        .iter()
        .filter(|c| c.1 == "staff")
        .map(|c| c.0)
        .collect();
    let unit = |name: &str| ctx.units.iter().find(|u| u.1 == name).map(|u| u.0);

    // The supervision: democracy at the grassroots in Quảng Long, May 2016.
    let sid = Uuid::now_v7();
    let (title, subject) = (
        "Giám sát việc thực hiện Quy chế dân chủ ở cơ sở tại xã Quảng Long năm 2016",
        "UBND xã Quảng Long: thực hiện Pháp lệnh thực hiện dân chủ ở xã, phường, thị trấn",
    );
    supervision::ActiveModel {
        id: Set(sid),
        bloc_id: Set(ctx.bloc_id),
        kind: Set("supervision".into()),
        title: Set(title.into()),
        subject: Set(subject.into()),
        directive_id: Set(None),
        lead_organisation_id: Set(ctx.organisations.get("MTTQ").copied()),
        sub_committee_id: Set(ctx.sub_committees.get("KTGS").copied()),
        planned_start: Set(d(2016, 5, 9)),
        planned_end: Set(d(2016, 5, 20)),
        status: Set("following_up".into()),
        conclusion: Set(Some("UBND xã Quảng Long thực hiện cơ bản đúng Pháp lệnh; còn chậm công khai dự toán ngân sách và chưa tổ chức đối thoại định kỳ với nhân dân.".into())),
        created_by: Set(ctx.recorded_by),
        version: Set(1),
        created_at: Set(at(d(2016, 5, 3))),
        updated_at: Set(at(d(2016, 5, 20))),
    }
    .insert(conn)
    .await?;
    search::index(conn, "supervision", ctx.bloc_id, sid, &[title, subject]).await?;
    for s in deputies.iter().take(1).chain(ktgs_staff.iter().take(2)) {
        supervision_member::ActiveModel {
            supervision_id: Set(sid),
            staff_id: Set(*s),
            bloc_id: Set(ctx.bloc_id),
        }
        .insert(conn)
        .await?;
    }
    if let Some(u) = unit("Quảng Long") {
        supervision_unit::ActiveModel {
            supervision_id: Set(sid),
            unit_id: Set(u),
            bloc_id: Set(ctx.bloc_id),
        }
        .insert(conn)
        .await?;
    }
    for (text, severity) in [
        (
            "Chưa niêm yết công khai dự toán ngân sách xã năm 2016 tại trụ sở UBND.",
            "medium",
        ),
        (
            "Chưa tổ chức hội nghị đối thoại định kỳ giữa Chủ tịch UBND xã với nhân dân.",
            "high",
        ),
    ] {
        supervision_finding::ActiveModel {
            id: Set(Uuid::now_v7()),
            bloc_id: Set(ctx.bloc_id),
            supervision_id: Set(sid),
            text: Set(text.into()),
            severity: Set(severity.into()),
            created_by: Set(ctx.recorded_by),
            created_at: Set(at(d(2016, 5, 18))),
        }
        .insert(conn)
        .await?;
    }
    let implemented = Uuid::now_v7();
    for (id, text, due, status, closed) in [
        (
            implemented,
            "Niêm yết công khai dự toán ngân sách xã theo quy định.",
            d(2016, 7, 31),
            "implemented",
            Some(d(2016, 7, 15)),
        ),
        (
            Uuid::now_v7(),
            "Tổ chức hội nghị đối thoại giữa Chủ tịch UBND xã với nhân dân về giải phóng mặt bằng.",
            d(2016, 8, 31),
            "open",
            None,
        ),
    ] {
        recommendation::ActiveModel {
            id: Set(id),
            bloc_id: Set(ctx.bloc_id),
            supervision_id: Set(sid),
            text: Set(text.into()),
            addressee: Set("UBND xã Quảng Long".into()),
            due_on: Set(Some(due)),
            status: Set(status.into()),
            closed_on: Set(closed),
            created_by: Set(ctx.recorded_by),
            version: Set(1),
            created_at: Set(at(d(2016, 5, 20))),
            updated_at: Set(at(closed.unwrap_or(d(2016, 5, 20)))),
        }
        .insert(conn)
        .await?;
    }
    recommendation_response::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(ctx.bloc_id),
        recommendation_id: Set(implemented),
        responded_on: Set(d(2016, 7, 15)),
        text: Set(
            "UBND xã đã niêm yết công khai dự toán tại trụ sở và nhà văn hóa các thôn.".into(),
        ),
        status: Set(Some("implemented".into())),
        created_by: Set(ctx.recorded_by),
        created_at: Set(at(d(2016, 7, 15))),
    }
    .insert(conn)
    .await?;

    // The first weekly leadership meeting (the bloc opened on 25 January 2016) and the first
    // monthly review.
    let leaders: Vec<Uuid> = std::iter::once(head)
        .chain(deputies.iter().copied())
        .collect();
    let everyone: Vec<Uuid> = ctx.cadres.iter().map(|c| c.0).collect();
    for (kind, title, held_on, attendees, agenda, decisions) in [
        (
            "weekly_leadership",
            "Giao ban lãnh đạo Khối tuần đầu tiên",
            d(2016, 1, 25),
            &leaders,
            "Ra mắt cơ quan Khối theo Quyết định 111-QĐ/TU; triển khai Quyết định 265-QĐ/HU và 292-QĐ/HU; phân công nhiệm vụ tuần.",
            [
                "Giao Văn phòng xây dựng chương trình công tác năm 2016 của cơ quan Khối, trình Thường trực trước ngày 29/01/2016.",
                "Các tiểu ban rà soát nhiệm vụ của từng tổ chức, đề xuất nội dung phối hợp chung để tránh chồng chéo.",
            ],
        ),
        (
            "monthly_review",
            "Họp cơ quan Khối tháng 02/2016",
            d(2016, 2, 29),
            &everyone,
            "Kiểm điểm công tác tháng 02; triển khai công tác bầu cử đại biểu HĐND các cấp nhiệm kỳ 2016–2021; nhiệm vụ tháng 03.",
            [
                "Phân công cán bộ theo dõi, phụ trách công tác bầu cử tại các xã, thị trấn.",
                "Đôn đốc các cơ sở hội đăng ký mô hình \"Dân vận khéo\" và các phong trào thi đua năm 2016.",
            ],
        ),
    ] {
        let id = Uuid::now_v7();
        meeting::ActiveModel {
            status: Set("held".into()),
            id: Set(id),
            bloc_id: Set(ctx.bloc_id),
            kind: Set(kind.into()),
            title: Set(title.into()),
            held_on: Set(held_on),
            chair_staff_id: Set(Some(head)),
            agenda: Set(Some(agenda.into())),
            minutes: Set(None),
            created_by: Set(ctx.recorded_by),
            version: Set(1),
            created_at: Set(at(held_on)),
            updated_at: Set(at(held_on)),
        }
        .insert(conn)
        .await?;
        for s in attendees.iter() {
            meeting_attendee::ActiveModel {
                meeting_id: Set(id),
                staff_id: Set(*s),
                bloc_id: Set(ctx.bloc_id),
            }
            .insert(conn)
            .await?;
        }
        for text in decisions {
            meeting_decision::ActiveModel {
                id: Set(Uuid::now_v7()),
                bloc_id: Set(ctx.bloc_id),
                meeting_id: Set(id),
                text: Set(text.into()),
                task_id: Set(None),
                created_by: Set(ctx.recorded_by),
                created_at: Set(at(held_on)),
            }
            .insert(conn)
            .await?;
        }
    }

    // One cadre watches each commune and the town through the elections of 22 May 2016.
    for (i, (u, name, _)) in ctx.units.iter().enumerate() {
        unit_assignment::ActiveModel {
            id: Set(Uuid::now_v7()),
            bloc_id: Set(ctx.bloc_id),
            staff_id: Set(staff[i % staff.len()]),
            unit_id: Set(*u),
            purpose: Set("election_monitoring".into()),
            start_on: Set(d(2016, 3, 1)),
            end_on: Set(Some(d(2016, 5, 31))),
            notes: Set(Some(format!(
                "Theo dõi, phụ trách công tác bầu cử đại biểu HĐND các cấp nhiệm kỳ 2016–2021 tại {name}"
            ))),
            created_by: Set(ctx.recorded_by),
            version: Set(1),
            created_at: Set(at(d(2016, 2, 29))),
            updated_at: Set(at(d(2016, 2, 29))),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}
