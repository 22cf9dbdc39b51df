//! `khoi seed-demo`: the Hải Hà district bloc of the article (Quảng Ninh, 2016), loaded
//! idempotently: 6 organisations, 4 sub-committees with their heads, 20 cadres, the town and
//! 15 communes, the three directives of the article, and three sign-in accounts (demo.head,
//! demo.deputy, demo.staff).
mod announce;
pub mod levels;
use crate::{
    auth::{Role, password},
    config::Config,
    db::begin_write,
    entities::{
        account, bloc, directive, organisation, staff, staff_assignment, sub_committee, unit,
    },
    search,
    sessions::service::{NewAccount, create_account, write_private_file},
    text,
};
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub const BLOC_NAME: &str = "Khối Mặt trận Tổ quốc và các đoàn thể chính trị – xã hội huyện Hải Hà";
pub const PROVINCE: &str = "Quảng Ninh";

const ORGANISATIONS: [(&str, &str, &str); 6] = [
    (
        "MTTQ",
        "Ủy ban Mặt trận Tổ quốc Việt Nam huyện Hải Hà",
        "fatherland_front",
    ),
    ("HND", "Hội Nông dân huyện Hải Hà", "socio_political"),
    (
        "HLHPN",
        "Hội Liên hiệp Phụ nữ huyện Hải Hà",
        "socio_political",
    ),
    (
        "DTN",
        "Huyện đoàn Hải Hà (Đoàn TNCS Hồ Chí Minh)",
        "socio_political",
    ),
    ("CCB", "Hội Cựu chiến binh huyện Hải Hà", "socio_political"),
    ("LDLD", "Liên đoàn Lao động huyện Hải Hà", "socio_political"),
];

const SUB_COMMITTEES: [(&str, &str, &str); 4] = [
    (
        "VP",
        "Văn phòng",
        "Tham mưu tổng hợp, hành chính, văn thư, tài chính, kế toán, thủ quỹ chung của Khối.",
    ),
    (
        "TTVD",
        "Tiểu ban Tuyên truyền – vận động",
        "Tuyên truyền, vận động đoàn viên, hội viên và nhân dân; các cuộc vận động, phong trào thi đua.",
    ),
    (
        "KTGS",
        "Tiểu ban Kiểm tra – giám sát",
        "Kiểm tra, giám sát; theo dõi việc thực hiện kiến nghị sau giám sát.",
    ),
    (
        "DCPL",
        "Tiểu ban Dân chủ – pháp luật",
        "Thực hiện dân chủ ở cơ sở, phản biện xã hội, tuyên truyền pháp luật, hòa giải.",
    ),
];

/// (name, position, home organisation code, sub-committee code, role, heads sub-committee)
type Cadre = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);
const CADRES: [Cadre; 20] = [
    (
        "Nguyễn Thế Hòa",
        "Trưởng khối; Trưởng ban Dân vận Huyện ủy, Chủ tịch Ủy ban MTTQ huyện",
        "MTTQ",
        "",
        "bloc_head",
        None,
    ),
    (
        "Hoàng Văn Thắng",
        "Phó khối; Chủ tịch Hội Nông dân huyện",
        "HND",
        "TTVD",
        "deputy_head",
        Some("TTVD"),
    ),
    (
        "Phạm Thị Hương",
        "Phó khối; Chủ tịch Hội Liên hiệp Phụ nữ huyện",
        "HLHPN",
        "VP",
        "deputy_head",
        Some("VP"),
    ),
    (
        "Vũ Đức Anh",
        "Phó khối; Bí thư Huyện đoàn",
        "DTN",
        "TTVD",
        "deputy_head",
        None,
    ),
    (
        "Trần Văn Bình",
        "Phó khối; Chủ tịch Hội Cựu chiến binh huyện",
        "CCB",
        "KTGS",
        "deputy_head",
        Some("KTGS"),
    ),
    (
        "Lê Thị Mai",
        "Phó khối; Chủ tịch Liên đoàn Lao động huyện",
        "LDLD",
        "DCPL",
        "deputy_head",
        Some("DCPL"),
    ),
    (
        "Đỗ Thị Thu Trang",
        "Chuyên viên Văn phòng",
        "MTTQ",
        "VP",
        "staff",
        None,
    ),
    (
        "Nguyễn Văn Hải",
        "Cán bộ Ủy ban MTTQ",
        "MTTQ",
        "KTGS",
        "staff",
        None,
    ),
    ("Bùi Thị Ngọc", "Kế toán", "HLHPN", "VP", "staff", None),
    (
        "Lưu Văn Toàn",
        "Cán bộ Hội Nông dân",
        "HND",
        "TTVD",
        "staff",
        None,
    ),
    (
        "Đặng Thị Lan",
        "Cán bộ Hội Liên hiệp Phụ nữ",
        "HLHPN",
        "TTVD",
        "staff",
        None,
    ),
    (
        "Ngô Quang Huy",
        "Phó Bí thư Huyện đoàn",
        "DTN",
        "TTVD",
        "staff",
        None,
    ),
    (
        "Phan Thị Thảo",
        "Cán bộ Huyện đoàn",
        "DTN",
        "DCPL",
        "staff",
        None,
    ),
    (
        "Lý Văn Cường",
        "Cán bộ Hội Cựu chiến binh",
        "CCB",
        "KTGS",
        "staff",
        None,
    ),
    (
        "Đinh Thị Hoa",
        "Cán bộ Liên đoàn Lao động",
        "LDLD",
        "DCPL",
        "staff",
        None,
    ),
    (
        "Trịnh Văn Nam",
        "Cán bộ Hội Nông dân",
        "HND",
        "KTGS",
        "staff",
        None,
    ),
    (
        "Mai Thị Yến",
        "Cán bộ Ủy ban MTTQ",
        "MTTQ",
        "DCPL",
        "staff",
        None,
    ),
    (
        "Tạ Văn Long",
        "Văn thư – thủ quỹ",
        "CCB",
        "VP",
        "staff",
        None,
    ),
    (
        "Hà Thị Nhung",
        "Cán bộ Liên đoàn Lao động",
        "LDLD",
        "TTVD",
        "staff",
        None,
    ),
    (
        "Chu Văn Đức",
        "Cán bộ Hội Nông dân",
        "HND",
        "DCPL",
        "staff",
        None,
    ),
];

/// (name, kind, population, households): the town and the 15 communes of Hải Hà.
pub const UNITS: [(&str, &str, i64, i64); 16] = [
    ("Quảng Hà", "town", 16_120, 4_260),
    ("Quảng Đức", "commune", 9_650, 2_410),
    ("Quảng Sơn", "commune", 7_480, 1_730),
    ("Quảng Thành", "commune", 5_940, 1_460),
    ("Quảng Thịnh", "commune", 4_870, 1_190),
    ("Quảng Minh", "commune", 6_210, 1_580),
    ("Quảng Chính", "commune", 8_930, 2_240),
    ("Quảng Long", "commune", 7_150, 1_820),
    ("Quảng Phong", "commune", 6_040, 1_510),
    ("Quảng Điền", "commune", 5_320, 1_340),
    ("Quảng Trung", "commune", 4_260, 1_080),
    ("Quảng Thắng", "commune", 3_980, 990),
    ("Đường Hoa", "commune", 4_560, 1_150),
    ("Tiến Tới", "commune", 3_870, 960),
    ("Phú Hải", "commune", 4_120, 1_030),
    ("Cái Chiên", "commune", 2_190, 520),
];

/// The staff member behind `demo.staff`: a cadre of the sub-committee `demo.deputy` heads.
pub const DEMO_STAFF: &str = "Lý Văn Cường";

/// The three directives of the article that founded and organised the bloc.
const DIRECTIVES: [(&str, &str, &str); 3] = [
    (
        "111-QĐ/TU",
        "2015-12-29",
        "Về việc thành lập cơ quan chuyên trách tham mưu, giúp việc chung cho Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện Hải Hà",
    ),
    ("265-QĐ/HU", "2016-01-08", "Về phân công cán bộ"),
    (
        "292-QĐ/HU",
        "2016-01-08",
        "Về ban hành quy chế tổ chức và hoạt động của các cơ quan khối Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện Hải Hà",
    ),
];

pub struct Seeded {
    pub bloc_id: Uuid,
    pub created: bool,
    pub password_file: Option<std::path::PathBuf>,
}

/// Seeds the demo bloc with everything, its 2016 tasks included (what `khoi seed-demo` does).
pub async fn seed_demo(
    db: &DatabaseConnection,
    config: &Config,
    demo_password: Option<String>,
) -> anyhow::Result<Seeded> {
    seed_demo_with(db, config, demo_password, true).await
}

/// As [`seed_demo`]; without `tasks`, only the structure, campaigns, supervisions and meetings
/// (the fixture most tests build their own tasks on).
pub async fn seed_demo_with(
    db: &DatabaseConnection,
    config: &Config,
    demo_password: Option<String>,
    tasks: bool,
) -> anyhow::Result<Seeded> {
    if let Some(existing) = bloc::Entity::find()
        .filter(bloc::Column::NameFolded.eq(text::fold(BLOC_NAME)))
        .filter(bloc::Column::ProvinceFolded.eq(text::fold(PROVINCE)))
        .one(db)
        .await?
    {
        return Ok(Seeded {
            bloc_id: existing.id,
            created: false,
            password_file: None,
        });
    }
    let (password, password_file) = match demo_password {
        Some(p) => {
            password::check_policy(&p).map_err(|m| anyhow::anyhow!("--password {m}"))?;
            (p, None)
        }
        None => {
            let p = password::generate(16);
            let path = config.generated_file("demo-password");
            write_private_file(&path, &format!("{p}\n"))?;
            (p, Some(path))
        }
    };
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let bloc_id = Uuid::now_v7();
    bloc::ActiveModel {
        id: Set(bloc_id),
        name: Set(BLOC_NAME.into()),
        name_folded: Set(text::fold(BLOC_NAME)),
        level: Set("district".into()),
        parent_id: Set(None),
        province: Set(PROVINCE.into()),
        province_folded: Set(text::fold(PROVINCE)),
        province_id: Set(crate::provinces::reference::id_by_name(PROVINCE)),
        established_on: Set(NaiveDate::from_ymd_opt(2016, 1, 25)),
        due_soon_days: Set(crate::notifications::service::DEFAULT_DUE_SOON_DAYS),
        keep_photo_metadata: Set(false),
        founding_decision: Set(Some("111-QĐ/TU".into())),
        dissolved_on: Set(None),
        successor_id: Set(None),
        dissolution_decision: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    search::index(&txn, "bloc", bloc_id, bloc_id, &[BLOC_NAME]).await?;

    let mut org_ids = std::collections::HashMap::new();
    for (code, name, kind) in ORGANISATIONS {
        let id = Uuid::now_v7();
        organisation::ActiveModel {
            id: Set(id),
            bloc_id: Set(bloc_id),
            code: Set(code.into()),
            name: Set(name.into()),
            kind: Set(kind.into()),
            head_staff_id: Set(None),
            member_body: Set(false),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        search::index(&txn, "organisation", bloc_id, id, &[name, code]).await?;
        org_ids.insert(code, id);
    }
    let mut sc_ids = std::collections::HashMap::new();
    for (code, name, mandate) in SUB_COMMITTEES {
        let id = Uuid::now_v7();
        sub_committee::ActiveModel {
            id: Set(id),
            bloc_id: Set(bloc_id),
            code: Set(code.into()),
            name: Set(name.into()),
            mandate: Set(Some(mandate.into())),
            head_staff_id: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        search::index(&txn, "sub_committee", bloc_id, id, &[name, code]).await?;
        sc_ids.insert(code, id);
    }
    let mut head_id = None;
    let mut deputy_id = None;
    let mut staff_id = None;
    let mut cadres = Vec::with_capacity(CADRES.len());
    for (name, position, org, sc, role, heads) in CADRES {
        let id = Uuid::now_v7();
        cadres.push((id, role, sc));
        let sc_id = sc_ids.get(sc).copied();
        staff::ActiveModel {
            id: Set(id),
            bloc_id: Set(bloc_id),
            full_name: Set(name.into()),
            position: Set(Some(position.into())),
            organisation_id: Set(org_ids.get(org).copied()),
            sub_committee_id: Set(sc_id),
            role: Set(role.into()),
            phone: Set(None),
            email: Set(None),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        search::index(&txn, "staff", bloc_id, id, &[name, position]).await?;
        if sc_id.is_some() {
            staff_assignment::ActiveModel {
                id: Set(Uuid::now_v7()),
                bloc_id: Set(bloc_id),
                staff_id: Set(id),
                from_sub_committee_id: Set(None),
                to_sub_committee_id: Set(sc_id),
                effective_on: Set(NaiveDate::from_ymd_opt(2016, 1, 25).unwrap_or_default()),
                decision_ref: Set(Some("111-QĐ/TU".into())),
                note: Set(None),
                created_by: Set(Uuid::nil()),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        // The bloc head chairs MTTQ; each deputy heads their home organisation.
        if role != "staff" {
            set_org_head(&txn, org_ids[org], id).await?;
        }
        if let Some(code) = heads {
            set_sc_head(&txn, sc_ids[code], id).await?;
        }
        match (role, heads, sc) {
            ("bloc_head", _, _) => head_id = Some(id),
            ("deputy_head", Some("KTGS"), _) => deputy_id = Some(id),
            _ if name == DEMO_STAFF => staff_id = Some(id),
            _ => {}
        }
    }
    let mut unit_ids = Vec::with_capacity(UNITS.len());
    for (name, kind, population, households) in UNITS {
        let id = Uuid::now_v7();
        unit_ids.push((id, name, kind));
        unit::ActiveModel {
            id: Set(id),
            bloc_id: Set(bloc_id),
            name: Set(name.into()),
            name_folded: Set(text::fold(name)),
            kind: Set(kind.into()),
            parent_id: Set(None),
            population: Set(Some(population)),
            households: Set(Some(households)),
            code: Set(None),
            valid_from: Set(None),
            valid_to: Set(None),
            successor_id: Set(None),
            merger_decision: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        search::index(&txn, "unit", bloc_id, id, &[name]).await?;
    }
    let (mut head_account, mut deputy_account, mut staff_account) =
        (Uuid::nil(), Uuid::nil(), Uuid::nil());
    for (username, role, person) in [
        ("demo.head", Role::BlocHead, head_id),
        ("demo.deputy", Role::DeputyHead, deputy_id),
        ("demo.staff", Role::Staff, staff_id),
    ] {
        let acc = create_account(
            &txn,
            NewAccount {
                username: username.into(),
                role,
                bloc_id: Some(bloc_id),
                province: None,
                password: password.clone(),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("cannot create {username}: {}", e.problem().detail))?;
        match role {
            Role::BlocHead => head_account = acc.id,
            Role::DeputyHead => deputy_account = acc.id,
            _ => staff_account = acc.id,
        }
        let mut am: account::ActiveModel = acc.into();
        am.staff_id = Set(person);
        am.update(&txn).await?;
    }
    for (number, issued_on, title) in DIRECTIVES {
        let n = crate::directives::number::parse(number).map_err(|e| anyhow::anyhow!(e))?;
        let issued_on = NaiveDate::parse_from_str(issued_on, "%Y-%m-%d").ok();
        let id = Uuid::now_v7();
        let model = directive::ActiveModel {
            id: Set(id),
            bloc_id: Set(bloc_id),
            number_key: Set(crate::directives::service::number_key(&n, issued_on)),
            kind: Set(crate::directives::number::kind_of(&n.doc_type).into()),
            number: Set(n.number),
            serial: Set(n.serial),
            doc_type: Set(n.doc_type),
            issuer: Set(n.issuer),
            issued_on: Set(issued_on),
            title: Set(title.into()),
            summary: Set(None),
            created_by: Set(head_account),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        search::index(
            &txn,
            "directive",
            bloc_id,
            id,
            &[&model.number, &model.title],
        )
        .await?;
    }
    crate::campaigns::seed::seed(
        &txn,
        &crate::campaigns::seed::Context {
            bloc_id,
            organisations: &org_ids,
            units: &unit_ids,
            recorded_by: head_account,
        },
    )
    .await?;
    crate::supervisions::seed::seed(
        &txn,
        &crate::supervisions::seed::Context {
            bloc_id,
            organisations: &org_ids,
            sub_committees: &sc_ids,
            cadres: &cadres,
            units: &unit_ids,
            recorded_by: head_account,
        },
    )
    .await?;
    // Tasks go through the task services, which announce them.
    if tasks {
        crate::tasks::seed::seed(
            &txn,
            &crate::tasks::seed::Context {
                bloc_id,
                head: head_account,
                deputy: deputy_account,
                staff: staff_account,
                organisations: &org_ids,
                sub_committees: &sc_ids,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("cannot seed the demo's tasks: {}", e.problem().detail))?;
    }
    announce::announce_seeded(&txn, bloc_id).await?;
    txn.commit().await?;
    // The province and its communes of the 2025 map, with work sent down and answered.
    if tasks {
        levels::seed(db, &password).await?;
    }
    Ok(Seeded {
        bloc_id,
        created: true,
        password_file,
    })
}

async fn set_org_head(
    txn: &impl sea_orm::ConnectionTrait,
    org: Uuid,
    head: Uuid,
) -> Result<(), sea_orm::DbErr> {
    organisation::Entity::update_many()
        .col_expr(
            organisation::Column::HeadStaffId,
            sea_orm::sea_query::Expr::value(head),
        )
        .filter(organisation::Column::Id.eq(org))
        .exec(txn)
        .await?;
    Ok(())
}

async fn set_sc_head(
    txn: &impl sea_orm::ConnectionTrait,
    sc: Uuid,
    head: Uuid,
) -> Result<(), sea_orm::DbErr> {
    sub_committee::Entity::update_many()
        .col_expr(
            sub_committee::Column::HeadStaffId,
            sea_orm::sea_query::Expr::value(head),
        )
        .filter(sub_committee::Column::Id.eq(sc))
        .exec(txn)
        .await?;
    Ok(())
}
