//! The demo bloc's tasks of 2016, from the article's account of its first months: made through
//! the same services a client calls (so each is validated, indexed, audited and announced), with
//! the days things happened, linked to the meetings' decisions, the directives and the
//! campaigns. As of 30 June 2016 they show every standing; two open tasks repeat each other for
//! overlap detection to flag.
use super::{
    dto::{CreateTask, NewReport, Priority, Transition},
    workflow::Move,
};
use crate::{
    auth::{Caller, Role},
    concurrency::IfMatch,
    entities::{campaign, directive, meeting_decision, staff},
    error::ApiError,
};
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;
use uuid::Uuid;

/// The people who act in the demo: the head, the deputy heading KTGS, a cadre of KTGS.
pub struct Context<'a> {
    pub bloc_id: Uuid,
    pub head: Uuid,
    pub deputy: Uuid,
    pub staff: Uuid,
    pub organisations: &'a HashMap<&'static str, Uuid>,
    pub sub_committees: &'a HashMap<&'static str, Uuid>,
}

#[derive(Clone, Copy)]
enum Who {
    Head,
    Deputy,
    Staff,
}

/// Who made a move (or posted a report), which, on what day, with what reason or report text.
type Step = (Who, &'static str, (i32, u32, u32), &'static str);

/// A task of the demo and what happened to it.
struct Demo {
    title: &'static str,
    description: &'static str,
    expected: &'static str,
    org: &'static str,
    sc: &'static str,
    /// The person responsible: the deputy (Trần Văn Bình), the cadre (Lý Văn Cường), or another
    /// cadre by name who has no account (and so never moves it on).
    assignee: &'static str,
    directive: Option<&'static str>,
    campaign: Option<&'static str>,
    /// The start of the meeting decision it carries out.
    decision: Option<&'static str>,
    opened: (i32, u32, u32),
    due: (i32, u32, u32),
    key: bool,
    moves: &'static [Step],
}

// The demo's people and campaigns, by the names the bloc's own seed gives them (a task whose
// link is not found is made without it; the demo test checks every link is there).
const DEPUTY: &str = "Trần Văn Bình";
const CADRE: &str = "Lý Văn Cường";
const NEW_RURAL: &str = "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh";
const GRATITUDE: &str = "Đền ơn đáp nghĩa năm 2016";

const TASKS: &[Demo] = &[
    Demo {
        title: "Xây dựng chương trình công tác năm 2016 của cơ quan Khối",
        description: "Dự thảo chương trình công tác năm 2016, quy chế làm việc và quy chế phân công nhiệm vụ của cơ quan Khối.",
        expected: "Chương trình công tác năm 2016 trình Thường trực trước ngày 29/01/2016",
        org: "MTTQ",
        sc: "VP",
        assignee: CADRE,
        directive: Some("292-QĐ/HU"),
        campaign: None,
        decision: Some("Giao Văn phòng xây dựng chương trình công tác năm 2016"),
        opened: (2016, 1, 25),
        due: (2016, 1, 29),
        key: true,
        moves: &[
            (Who::Head, "assign", (2016, 1, 25), ""),
            (Who::Staff, "start", (2016, 1, 25), ""),
            (
                Who::Staff,
                "submit",
                (2016, 1, 28),
                "Đã trình dự thảo chương trình công tác năm 2016.",
            ),
            (Who::Head, "complete", (2016, 1, 29), ""),
        ],
    },
    Demo {
        title: "Xây dựng kế hoạch triển khai Nghị quyết Đại hội Đảng bộ huyện về phương hướng, nhiệm vụ năm 2016 tới các cơ sở đoàn, hội",
        description: "Kế hoạch quán triệt, triển khai Nghị quyết tới chi hội, chi đoàn ở 16 xã, thị trấn.",
        expected: "Kế hoạch được ban hành; 100% cơ sở đoàn, hội được quán triệt",
        org: "MTTQ",
        sc: "TTVD",
        assignee: DEPUTY,
        directive: Some("292-QĐ/HU"),
        campaign: None,
        decision: None,
        opened: (2016, 1, 26),
        due: (2016, 2, 15),
        key: true,
        moves: &[
            (Who::Head, "assign", (2016, 1, 26), ""),
            (Who::Deputy, "start", (2016, 2, 1), ""),
            (
                Who::Deputy,
                "submit",
                (2016, 2, 20),
                "Đã ban hành kế hoạch, gửi 16 xã, thị trấn.",
            ),
            (Who::Head, "complete", (2016, 2, 22), ""),
        ],
    },
    Demo {
        title: "Xây dựng kế hoạch tuyên truyền mừng Đảng, mừng Xuân Bính Thân 2016",
        description: "Kế hoạch tuyên truyền, cổ động trực quan và các hoạt động mừng Đảng, mừng Xuân trên địa bàn huyện.",
        expected: "Kế hoạch tuyên truyền được ban hành trước Tết",
        org: "DTN",
        sc: "TTVD",
        assignee: CADRE,
        directive: None,
        campaign: None,
        decision: None,
        opened: (2016, 1, 26),
        due: (2016, 2, 5),
        key: false,
        moves: &[
            (Who::Head, "assign", (2016, 1, 26), ""),
            (Who::Staff, "start", (2016, 1, 27), ""),
            (
                Who::Staff,
                "submit",
                (2016, 2, 3),
                "Đã ban hành kế hoạch tuyên truyền.",
            ),
            (Who::Head, "complete", (2016, 2, 4), ""),
        ],
    },
    Demo {
        title: "Tổ chức thăm hỏi, tặng quà Tết cho gia đình chính sách, người có công",
        description: "Phối hợp UBND huyện thăm hỏi, tặng quà các gia đình chính sách, người có công dịp Tết Nguyên đán Bính Thân.",
        expected: "Danh sách và biên bản trao quà tại 16 xã, thị trấn",
        org: "MTTQ",
        sc: "VP",
        assignee: CADRE,
        directive: None,
        campaign: Some(GRATITUDE),
        decision: None,
        opened: (2016, 1, 27),
        due: (2016, 2, 6),
        key: false,
        moves: &[
            (Who::Head, "assign", (2016, 1, 27), ""),
            (Who::Staff, "start", (2016, 1, 28), ""),
            (
                Who::Staff,
                "submit",
                (2016, 2, 5),
                "Đã trao 1.240 suất quà tại 16 xã, thị trấn.",
            ),
            (Who::Head, "complete", (2016, 2, 5), ""),
        ],
    },
    Demo {
        title: "Phân công cán bộ theo dõi, phụ trách công tác bầu cử tại các xã, thị trấn",
        description: "Phân công mỗi xã, thị trấn một cán bộ theo dõi công tác bầu cử đại biểu Quốc hội và HĐND các cấp nhiệm kỳ 2016–2021.",
        expected: "Quyết định phân công; 16/16 xã, thị trấn có cán bộ phụ trách",
        org: "MTTQ",
        sc: "KTGS",
        assignee: DEPUTY,
        directive: None,
        campaign: None,
        decision: Some("Phân công cán bộ theo dõi, phụ trách công tác bầu cử"),
        opened: (2016, 2, 29),
        due: (2016, 3, 10),
        key: true,
        moves: &[
            (Who::Head, "assign", (2016, 2, 29), ""),
            (Who::Deputy, "start", (2016, 3, 1), ""),
            (
                Who::Deputy,
                "submit",
                (2016, 3, 8),
                "Đã phân công 16 cán bộ theo dõi bầu cử.",
            ),
            (Who::Head, "complete", (2016, 3, 9), ""),
        ],
    },
    Demo {
        title: "Đôn đốc các cơ sở hội đăng ký mô hình \"Dân vận khéo\" và các phong trào thi đua năm 2016",
        description: "Hướng dẫn, đôn đốc chi hội các xã đăng ký mô hình \"Dân vận khéo\" và phong trào thi đua năm 2016.",
        expected: "Bản đăng ký mô hình của 16/16 xã, thị trấn",
        org: "HND",
        sc: "TTVD",
        assignee: CADRE,
        directive: None,
        campaign: Some(NEW_RURAL),
        decision: Some("Đôn đốc các cơ sở hội đăng ký mô hình"),
        opened: (2016, 2, 29),
        due: (2016, 3, 31),
        key: false,
        moves: &[
            (Who::Head, "assign", (2016, 2, 29), ""),
            (Who::Staff, "start", (2016, 3, 1), ""),
            (
                Who::Staff,
                "submit",
                (2016, 4, 8),
                "14/16 xã, thị trấn đã đăng ký; còn Cái Chiên, Tiến Tới.",
            ),
            (Who::Head, "complete", (2016, 4, 10), ""),
        ],
    },
    Demo {
        title: "Xây dựng chương trình phối hợp giữa cơ quan Khối với UBND huyện và các ban, ngành",
        description: "Chương trình phối hợp công tác năm 2016 giữa cơ quan Khối, UBND huyện và các ban, ngành liên quan.",
        expected: "Chương trình phối hợp được ký kết",
        org: "MTTQ",
        sc: "DCPL",
        assignee: CADRE,
        directive: None,
        campaign: None,
        decision: None,
        opened: (2016, 2, 1),
        due: (2016, 4, 30),
        key: false,
        moves: &[
            (Who::Head, "assign", (2016, 2, 1), ""),
            (Who::Staff, "start", (2016, 2, 15), ""),
            (
                Who::Staff,
                "submit",
                (2016, 4, 25),
                "Đã dự thảo chương trình phối hợp.",
            ),
            (
                Who::Head,
                "return",
                (2016, 5, 5),
                "Bổ sung nội dung phối hợp vận động giải phóng mặt bằng.",
            ),
        ],
    },
    Demo {
        title: "Xây dựng kế hoạch giám sát, phản biện xã hội năm 2016",
        description: "Kế hoạch giám sát việc thực hiện chính sách an sinh xã hội và phản biện các dự thảo văn bản của huyện.",
        expected: "Kế hoạch giám sát năm 2016 được Thường trực phê duyệt",
        org: "CCB",
        sc: "KTGS",
        assignee: CADRE,
        directive: None,
        campaign: None,
        decision: None,
        opened: (2016, 2, 15),
        due: (2016, 6, 30),
        key: true,
        moves: &[
            (Who::Head, "assign", (2016, 2, 15), ""),
            (Who::Staff, "start", (2016, 3, 1), ""),
            (
                Who::Staff,
                "report",
                (2016, 5, 15),
                "Đã dự thảo kế hoạch; đang lấy ý kiến các đoàn thể.",
            ),
            (
                Who::Staff,
                "submit",
                (2016, 6, 28),
                "Đã hoàn thiện dự thảo kế hoạch giám sát.",
            ),
        ],
    },
    Demo {
        title: "Xây dựng hướng dẫn mô hình thôn chuẩn",
        description: "Hướng dẫn tiêu chí và cách đánh giá mô hình thôn chuẩn cho các xã.",
        expected: "Hướng dẫn gửi 16 xã, thị trấn",
        org: "HND",
        sc: "TTVD",
        assignee: DEPUTY,
        directive: None,
        campaign: Some(NEW_RURAL),
        decision: None,
        opened: (2016, 3, 15),
        due: (2016, 9, 30),
        key: false,
        moves: &[
            (Who::Head, "assign", (2016, 3, 15), ""),
            (Who::Deputy, "start", (2016, 4, 1), ""),
        ],
    },
    Demo {
        title: "Tổng hợp kết quả bầu cử đại biểu HĐND các cấp nhiệm kỳ 2016–2021",
        description: "Tổng hợp kết quả bầu cử tại 16 xã, thị trấn và ý kiến, kiến nghị của cử tri.",
        expected: "Báo cáo tổng hợp gửi Ban Thường vụ Huyện ủy",
        org: "MTTQ",
        sc: "KTGS",
        assignee: "Trịnh Văn Nam",
        directive: None,
        campaign: None,
        decision: None,
        opened: (2016, 5, 23),
        due: (2016, 6, 5),
        key: false,
        moves: &[(Who::Head, "assign", (2016, 5, 23), "")],
    },
    Demo {
        title: "Tổ chức hội thi cán bộ dân vận giỏi cấp huyện",
        description: "Hội thi tìm hiểu công tác dân vận dành cho cán bộ các xã, thị trấn.",
        expected: "Hội thi được tổ chức",
        org: "DTN",
        sc: "TTVD",
        assignee: DEPUTY,
        directive: None,
        campaign: None,
        decision: None,
        opened: (2016, 3, 1),
        due: (2016, 5, 31),
        key: false,
        moves: &[
            (Who::Head, "assign", (2016, 3, 1), ""),
            (
                Who::Head,
                "cancel",
                (2016, 4, 15),
                "Lùi sang năm 2017 theo ý kiến Thường trực Huyện ủy.",
            ),
        ],
    },
    Demo {
        title: "Sơ kết 6 tháng đầu năm 2016 hoạt động của cơ quan Khối",
        description: "Báo cáo sơ kết 6 tháng hoạt động của cơ quan Khối.",
        expected: "",
        org: "MTTQ",
        sc: "VP",
        assignee: "",
        directive: None,
        campaign: None,
        decision: None,
        opened: (2016, 6, 20),
        due: (2016, 7, 15),
        key: false,
        moves: &[],
    },
    // Entered again by another hand: overlap detection flags it against the one above it.
    Demo {
        title: "Hướng dẫn xây dựng mô hình thôn chuẩn ở các xã",
        description: "Hướng dẫn các xã tiêu chí đánh giá mô hình thôn chuẩn.",
        expected: "",
        org: "HND",
        sc: "TTVD",
        assignee: "",
        directive: None,
        campaign: None,
        decision: None,
        opened: (2016, 6, 22),
        due: (2016, 9, 30),
        key: false,
        moves: &[],
    },
];

fn day((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn caller(account_id: Uuid, role: Role, bloc_id: Uuid) -> Caller {
    Caller {
        account_id,
        role,
        bloc_id: Some(bloc_id),
        province: None,
        request_id: Some("seed-demo".into()),
        client: false,
        scope: None,
        idempotency: None,
        staffing: crate::auth::Known::Unchecked,
    }
}

/// Makes the demo's tasks and their histories. Returns how many it made.
pub async fn seed(conn: &impl ConnectionTrait, ctx: &Context<'_>) -> Result<usize, ApiError> {
    let head = caller(ctx.head, Role::BlocHead, ctx.bloc_id);
    let deputy = caller(ctx.deputy, Role::DeputyHead, ctx.bloc_id);
    let cadre = caller(ctx.staff, Role::Staff, ctx.bloc_id);
    let staff_ids: HashMap<String, Uuid> = staff::Entity::find()
        .filter(staff::Column::BlocId.eq(ctx.bloc_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.full_name, s.id))
        .collect();
    for t in TASKS {
        let directive_id = match t.directive {
            None => None,
            Some(n) => directive::Entity::find()
                .filter(directive::Column::BlocId.eq(ctx.bloc_id))
                .filter(directive::Column::Number.eq(n))
                .one(conn)
                .await?
                .map(|d| d.id),
        };
        let campaign_id = match t.campaign {
            None => None,
            Some(n) => campaign::Entity::find()
                .filter(campaign::Column::BlocId.eq(ctx.bloc_id))
                .filter(campaign::Column::Name.eq(n))
                .one(conn)
                .await?
                .map(|c| c.id),
        };
        let decision = match t.decision {
            None => None,
            Some(start) => {
                meeting_decision::Entity::find()
                    .filter(meeting_decision::Column::BlocId.eq(ctx.bloc_id))
                    .filter(meeting_decision::Column::Text.starts_with(start))
                    .one(conn)
                    .await?
            }
        };
        let body = CreateTask {
            title: t.title.into(),
            description: Some(t.description.into()),
            expected_result: Some(t.expected.into()).filter(|e: &String| !e.is_empty()),
            directive_id,
            campaign_id,
            lead_organisation_id: ctx.organisations.get(t.org).copied(),
            coordinating_organisation_ids: vec![],
            sub_committee_id: ctx.sub_committees.get(t.sc).copied(),
            assignee_id: staff_ids.get(t.assignee).copied(),
            start_date: None,
            due_date: Some(day(t.due)),
            priority: Some(if t.key {
                Priority::High
            } else {
                Priority::Normal
            }),
            key_task: t.key,
            opened_on: Some(day(t.opened)),
        };
        let id =
            super::drafting::create_decided(conn, &head, body, decision.as_ref().map(|d| d.id))
                .await?
                .task
                .id;
        if let Some(d) = decision {
            let mut am: meeting_decision::ActiveModel = d.into();
            am.task_id = Set(Some(id));
            am.update(conn).await?;
        }
        for (who, action, on, text) in t.moves {
            let by = match who {
                Who::Head => &head,
                Who::Deputy => &deputy,
                Who::Staff => &cadre,
            };
            let on = Some(day(*on));
            let text = Some(text.to_string()).filter(|t| !t.is_empty());
            if *action == "report" {
                super::reports::add_report_in(
                    conn,
                    by,
                    id,
                    NewReport {
                        text: text.unwrap_or_default(),
                        progress: 40,
                        evidence: vec![],
                        attachments: vec![],
                        occurred_on: on,
                    },
                )
                .await?;
                continue;
            }
            let m = Move::ALL
                .into_iter()
                .find(|m| m.as_str() == *action)
                .ok_or_else(|| ApiError::internal(format!("no move {action}")))?;
            let (reason, report) = match m {
                Move::Submit => (
                    None,
                    Some(NewReport {
                        text: text.unwrap_or_default(),
                        progress: 100,
                        evidence: vec![],
                        attachments: vec![],
                        occurred_on: None,
                    }),
                ),
                _ => (text, None),
            };
            super::moves::transition_in(
                conn,
                by,
                id,
                &IfMatch::parse(None)?,
                Transition {
                    action: m,
                    reason,
                    assignee_id: None,
                    report,
                    duplicate_of: None,
                    occurred_on: on,
                },
            )
            .await?;
        }
    }
    Ok(TASKS.len())
}
