//! The three campaigns of the article for `seed-demo`, with figures per unit that give its
//! numbers as of 30 June 2016: 82% of households cultured families, 83% of residential areas
//! cultured, 4 of 15 communes recognised as new rural (6 due by the end of 2017).
use crate::{
    entities::{
        campaign, campaign_measurement, campaign_organisation, campaign_registration,
        campaign_target,
    },
    search, text,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use std::collections::HashMap;
use uuid::Uuid;

pub const NEW_RURAL: &str = "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh";
pub const FOR_THE_POOR: &str = "Ngày vì người nghèo năm 2016";
pub const GRATITUDE: &str = "Đền ơn đáp nghĩa năm 2016";

/// Households counted in mid-2016 and those recognised as cultured families, in `UNITS` order
/// (the town first): 20,705 of 25,250 is 82%.
const HOUSEHOLDS: [(i64, i64); 16] = [
    (3476, 4240),
    (1976, 2410),
    (1419, 1730),
    (1197, 1460),
    (976, 1190),
    (1296, 1580),
    (1837, 2240),
    (1492, 1820),
    (1238, 1510),
    (1099, 1340),
    (886, 1080),
    (812, 990),
    (943, 1150),
    (787, 960),
    (845, 1030),
    (426, 520),
];

/// Residential areas (thôn, khu phố) and those recognised as cultured: 83 of 100.
const AREAS: [(i64, i64); 16] = [
    (11, 12),
    (6, 7),
    (5, 6),
    (5, 6),
    (4, 5),
    (5, 6),
    (6, 7),
    (5, 6),
    (5, 6),
    (5, 6),
    (4, 5),
    (4, 5),
    (5, 6),
    (4, 5),
    (5, 6),
    (4, 6),
];

/// The four communes already recognised as new rural by mid-2016.
const NEW_RURAL_COMMUNES: [&str; 4] = ["Quảng Đức", "Quảng Chính", "Quảng Long", "Quảng Thịnh"];

/// Day for the Poor: what the town and communes had raised by 18 November 2016 (Great Unity Day).
const RAISED: [(&str, i64); 6] = [
    ("Quảng Hà", 310_000_000),
    ("Quảng Đức", 145_000_000),
    ("Quảng Chính", 128_000_000),
    ("Quảng Long", 96_000_000),
    ("Quảng Minh", 84_000_000),
    ("Quảng Sơn", 72_000_000),
];

pub struct Context<'a> {
    pub bloc_id: Uuid,
    pub organisations: &'a HashMap<&'static str, Uuid>,
    /// (id, name, kind) in `UNITS` order.
    pub units: &'a [(Uuid, &'static str, &'static str)],
    pub recorded_by: Uuid,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn campaign(
    conn: &impl ConnectionTrait,
    ctx: &Context<'_>,
    name: &str,
    kind: &str,
    description: &str,
    lead: &str,
    participants: &[&str],
    (start_on, end_on): (NaiveDate, NaiveDate),
) -> Result<Uuid, DbErr> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    campaign::ActiveModel {
        id: Set(id),
        bloc_id: Set(ctx.bloc_id),
        name: Set(name.into()),
        name_folded: Set(text::fold(name)),
        kind: Set(kind.into()),
        description: Set(Some(description.into())),
        lead_organisation_id: Set(ctx.organisations[lead]),
        start_on: Set(start_on),
        end_on: Set(end_on),
        status: Set("active".into()),
        created_by: Set(ctx.recorded_by),
        parent_campaign_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    for p in participants {
        campaign_organisation::ActiveModel {
            campaign_id: Set(id),
            organisation_id: Set(ctx.organisations[p]),
            bloc_id: Set(ctx.bloc_id),
        }
        .insert(conn)
        .await?;
    }
    search::index(conn, "campaign", ctx.bloc_id, id, &[name, description]).await?;
    Ok(id)
}

async fn target(
    conn: &impl ConnectionTrait,
    ctx: &Context<'_>,
    campaign_id: Uuid,
    indicator: &str,
    (measure, aggregation, unit_kind): (&str, &str, Option<&str>),
    (baseline_value, baseline_on): (f64, NaiveDate),
    (target_value, deadline): (f64, NaiveDate),
) -> Result<Uuid, DbErr> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    campaign_target::ActiveModel {
        id: Set(id),
        bloc_id: Set(ctx.bloc_id),
        campaign_id: Set(campaign_id),
        indicator: Set(indicator.into()),
        measure: Set(measure.into()),
        aggregation: Set(aggregation.into()),
        unit_kind: Set(unit_kind.map(str::to_string)),
        baseline_value: Set(baseline_value),
        baseline_on: Set(baseline_on),
        target_value: Set(target_value),
        deadline: Set(deadline),
        higher_is_better: Set(true),
        created_by: Set(ctx.recorded_by),
        parent_target_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// (value, numerator, denominator, met)
type Shape = (Option<f64>, Option<f64>, Option<f64>, Option<bool>);

async fn figure(
    conn: &impl ConnectionTrait,
    ctx: &Context<'_>,
    (campaign_id, target_id): (Uuid, Uuid),
    unit_id: Uuid,
    as_of: NaiveDate,
    (value, numerator, denominator, met): Shape,
    source: &str,
) -> Result<(), DbErr> {
    campaign_measurement::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(ctx.bloc_id),
        campaign_id: Set(campaign_id),
        target_id: Set(target_id),
        unit_id: Set(unit_id),
        as_of: Set(as_of),
        value: Set(value),
        numerator: Set(numerator),
        denominator: Set(denominator),
        met: Set(met),
        source: Set(Some(source.into())),
        evidence_url: Set(None),
        evidence: Set("[]".into()),
        note: Set(None),
        supersedes_id: Set(None),
        superseded_by: Set(None),
        recorded_by: Set(ctx.recorded_by),
        recorded_by_staff_id: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn seed(conn: &impl ConnectionTrait, ctx: &Context<'_>) -> Result<(), DbErr> {
    let mid_2016 = d(2016, 6, 30);
    let report = "Báo cáo sơ kết 6 tháng đầu năm 2016 của UBND xã, thị trấn";

    let c = campaign(
        conn,
        ctx,
        NEW_RURAL,
        "drive",
        "Cuộc vận động \"Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh\" gắn với phong trào \"Toàn dân đoàn kết xây dựng đời sống văn hóa\"; phương châm \"Dân biết, dân bàn, dân làm, dân kiểm tra và dân thụ hưởng\".",
        "MTTQ",
        &["HND", "HLHPN", "DTN", "CCB", "LDLD"],
        (d(2016, 1, 1), d(2017, 12, 31)),
    )
    .await?;
    let households = target(
        conn,
        ctx,
        c,
        "Tỷ lệ hộ đạt danh hiệu gia đình văn hóa",
        ("percent", "ratio", None),
        (78.0, d(2016, 1, 1)),
        (85.0, d(2017, 12, 31)),
    )
    .await?;
    let areas = target(
        conn,
        ctx,
        c,
        "Tỷ lệ khu dân cư đạt danh hiệu khu dân cư văn hóa",
        ("percent", "ratio", None),
        (80.0, d(2016, 1, 1)),
        (86.0, d(2017, 12, 31)),
    )
    .await?;
    let new_rural = target(
        conn,
        ctx,
        c,
        "Số xã được công nhận đạt chuẩn nông thôn mới",
        ("units", "count_true", Some("commune")),
        (4.0, mid_2016),
        (6.0, d(2017, 12, 31)),
    )
    .await?;
    for (i, (unit, name, kind)) in ctx.units.iter().enumerate() {
        let (n, den) = HOUSEHOLDS[i];
        let shape = (None, Some(n as f64), Some(den as f64), None);
        figure(conn, ctx, (c, households), *unit, mid_2016, shape, report).await?;
        let (n, den) = AREAS[i];
        let shape = (None, Some(n as f64), Some(den as f64), None);
        figure(conn, ctx, (c, areas), *unit, mid_2016, shape, report).await?;
        if *kind == "commune" {
            let shape = (None, None, None, Some(NEW_RURAL_COMMUNES.contains(name)));
            figure(conn, ctx, (c, new_rural), *unit, mid_2016, shape, report).await?;
        }
    }
    registration(
        conn,
        ctx,
        c,
        ctx.units.iter().find(|u| u.1 == "Quảng Long").map(|u| u.0),
        "Mô hình \"Dân vận khéo\": vận động nhân dân hiến đất làm đường giao thông nông thôn",
        d(2016, 3, 15),
    )
    .await?;
    registration(
        conn,
        ctx,
        c,
        ctx.units.iter().find(|u| u.1 == "Quảng Thành").map(|u| u.0),
        "Mô hình \"Dân vận khéo\": khu dân cư tự quản về vệ sinh môi trường",
        d(2016, 3, 20),
    )
    .await?;

    let c = campaign(
        conn,
        ctx,
        FOR_THE_POOR,
        "fund",
        "Vận động ủng hộ Quỹ \"Vì người nghèo\", giúp đỡ gia đình có hoàn cảnh khó khăn.",
        "MTTQ",
        &["HND", "HLHPN", "DTN", "CCB", "LDLD"],
        (d(2016, 1, 1), d(2016, 12, 31)),
    )
    .await?;
    let raised = target(
        conn,
        ctx,
        c,
        "Số tiền vận động ủng hộ Quỹ \"Vì người nghèo\"",
        ("vnd", "sum", None),
        (0.0, d(2016, 1, 1)),
        (1_500_000_000.0, d(2016, 11, 18)),
    )
    .await?;
    for (name, amount) in RAISED {
        if let Some(u) = ctx.units.iter().find(|u| u.1 == name) {
            let shape = (Some(amount as f64), None, None, None);
            let src = "Sổ theo dõi Quỹ \"Vì người nghèo\" của Ban công tác Mặt trận";
            figure(conn, ctx, (c, raised), u.0, d(2016, 11, 18), shape, src).await?;
        }
    }

    let c = campaign(
        conn,
        ctx,
        GRATITUDE,
        "movement",
        "Phong trào \"Đền ơn đáp nghĩa\": thăm hỏi, tặng quà gia đình chính sách, người có công.",
        "CCB",
        &["MTTQ", "HLHPN", "DTN"],
        (d(2016, 1, 1), d(2016, 12, 31)),
    )
    .await?;
    let visited = target(
        conn,
        ctx,
        c,
        "Số gia đình chính sách, người có công được thăm hỏi, tặng quà",
        ("count", "sum", None),
        (0.0, d(2016, 1, 1)),
        (1_200.0, d(2016, 12, 31)),
    )
    .await?;
    for (i, (unit, _, _)) in ctx.units.iter().enumerate() {
        // Tết Bính Thân visits, early February 2016.
        let shape = (Some((90 - 4 * i as i64) as f64), None, None, None);
        let src = "Danh sách thăm hỏi, tặng quà Tết Bính Thân";
        figure(conn, ctx, (c, visited), *unit, d(2016, 2, 5), shape, src).await?;
    }
    Ok(())
}

async fn registration(
    conn: &impl ConnectionTrait,
    ctx: &Context<'_>,
    campaign_id: Uuid,
    unit_id: Option<Uuid>,
    title: &str,
    registered_on: NaiveDate,
) -> Result<(), DbErr> {
    let now = Utc::now();
    campaign_registration::ActiveModel {
        id: Set(Uuid::now_v7()),
        bloc_id: Set(ctx.bloc_id),
        campaign_id: Set(campaign_id),
        unit_id: Set(unit_id),
        organisation_id: Set(None),
        title: Set(title.into()),
        registered_on: Set(registered_on),
        status: Set("registered".into()),
        note: Set(None),
        created_by: Set(ctx.recorded_by),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}
