//! The province summary: for every bloc in the caller's scope, the figures the bloc sees for
//! itself (tasks by standing, organisation and sub-committee; campaign progress; the
//! implementation rate of supervision recommendations), side by side.
use super::dto::{
    BlocSummary, CampaignSummary, EvidenceSummary, GroupCounts, ProvinceTotals, ReceivedWork,
    StandingCounts, Summary, SummaryQuery, SupervisionSummary, TaskSummary,
};
use crate::{
    auth::Caller,
    campaigns,
    entities::{
        bloc, campaign, file, organisation, recommendation, sub_committee, supervision, task,
    },
    error::{ApiError, ApiResult},
    policy::{self, Action, Actor, Resource, Target},
    supervisions::dto::{RecommendationStatus, SupervisionStatus},
    tasks::{workflow::Standing, workflow::Status},
    tenancy::{self, Scope},
    text, validate,
};
use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Alias, Expr, ExprTrait},
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

fn bump(c: &mut StandingCounts, s: Standing, n: i64) {
    match s {
        Standing::OpenWithinDeadline => c.open_within_deadline += n,
        Standing::Overdue => c.overdue += n,
        Standing::CompletedOnTime => c.completed_on_time += n,
        Standing::CompletedLate => c.completed_late += n,
    }
    c.total += n;
}

fn add(total: &mut SupervisionSummary, s: &SupervisionSummary) {
    total.held += s.held;
    total.recommendations += s.recommendations;
    total.implemented += s.implemented;
    total.pending += s.pending;
}

fn rate(s: &mut SupervisionSummary) {
    s.implementation_rate = (s.recommendations > 0).then(|| {
        campaigns::progress::round(100.0 * s.implemented as f64 / s.recommendations as f64)
    });
}

/// The blocs the summary covers: the caller's scope, narrowed by `province` and `bloc_id`.
/// Asking for what is outside the scope is 404, as everywhere.
async fn blocs_of(
    db: &DatabaseConnection,
    caller: &Caller,
    q: &SummaryQuery,
) -> ApiResult<(Option<String>, Vec<bloc::Model>)> {
    let scope = Scope::of(caller);
    let mut select = tenancy::select::<bloc::Entity>(&scope);
    let asked = q
        .province
        .as_deref()
        .map(text::clean)
        .filter(|p| !p.is_empty());
    if let Some(p) = &asked {
        if p.chars().count() > 100 {
            return Err(ApiError::bad_field(
                "province",
                "must be at most 100 characters",
            ));
        }
        select = select.filter(bloc::Column::ProvinceFolded.eq(text::fold(p)));
    }
    if let Some(id) = q.bloc_id {
        select = select.filter(bloc::Column::Id.eq(id));
    }
    let blocs = select
        .order_by_asc(bloc::Column::NameFolded)
        .all(db)
        .await?;
    if blocs.is_empty() && (asked.is_some() || q.bloc_id.is_some()) {
        return Err(ApiError::not_found(if q.bloc_id.is_some() {
            "bloc"
        } else {
            "province"
        }));
    }
    let province = match (&asked, &scope) {
        (Some(_), _) => blocs.first().map(|b| b.province.clone()).or(asked),
        (None, Scope::All) => None,
        (None, _) => blocs.first().map(|b| b.province.clone()),
    };
    Ok((province, blocs))
}

async fn names(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<
    (
        HashMap<Uuid, organisation::Model>,
        HashMap<Uuid, sub_committee::Model>,
    ),
    DbErr,
> {
    let orgs: HashMap<Uuid, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::BlocId.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let scs: HashMap<Uuid, sub_committee::Model> = sub_committee::Entity::find()
        .filter(sub_committee::Column::BlocId.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();

    Ok((orgs, scs))
}

async fn campaigns_of(
    db: &DatabaseConnection,
    ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
    as_of: NaiveDate,
) -> Result<HashMap<Uuid, Vec<CampaignSummary>>, DbErr> {
    // Campaigns running in the period, their targets and headlines read together.
    let running = campaign::Entity::find()
        .filter(campaign::Column::BlocId.is_in(ids.to_vec()))
        .filter(campaign::Column::StartOn.lte(to))
        .filter(campaign::Column::EndOn.gte(from))
        .order_by_asc(campaign::Column::Id)
        .all(db)
        .await?;
    let mut targets_of = campaigns::standing::headlines_by_campaign(db, &running, as_of).await?;
    let mut campaigns_of: HashMap<Uuid, Vec<CampaignSummary>> = HashMap::new();
    for c in running {
        campaigns_of
            .entry(c.bloc_id)
            .or_default()
            .push(CampaignSummary {
                campaign_id: c.id,
                parent_campaign_id: c.parent_campaign_id,
                status: campaigns::service::status_of(&c),
                targets: targets_of.remove(&c.id).unwrap_or_default(),
                name: c.name,
            });
    }

    Ok(campaigns_of)
}

async fn received_of(
    db: &DatabaseConnection,
    ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<HashMap<Uuid, ReceivedWork>, DbErr> {
    // Work sent down to each bloc: its delegated tasks alive in the period, as they stand today
    // (as the parent's roll-up shows them), and the campaigns it joined.
    let mut received_of: HashMap<Uuid, ReceivedWork> = HashMap::new();
    for t in task::Entity::find()
        .filter(task::Column::BlocId.is_in(ids.to_vec()))
        .filter(task::Column::ParentTaskId.is_not_null())
        .filter(task::Column::OpenedOn.lte(to))
        .filter(
            Condition::any()
                .add(task::Column::ClosedOn.is_null())
                .add(task::Column::ClosedOn.gte(from)),
        )
        .all(db)
        .await?
    {
        let r = received_of.entry(t.bloc_id).or_default();
        let status = Status::parse(&t.status).unwrap_or(Status::Draft);
        r.delegated += 1;
        match status {
            Status::Received => r.awaiting_answer += 1,
            Status::Declined => r.declined += 1,
            _ => {}
        }
        match crate::tasks::workflow::standing(status, t.due_date, t.completed_on, today) {
            Some(Standing::CompletedOnTime) => r.completed_on_time += 1,
            Some(Standing::CompletedLate) => r.completed_late += 1,
            Some(Standing::Overdue) => r.overdue += 1,
            Some(Standing::OpenWithinDeadline) => r.open_within_deadline += 1,
            None => {}
        }
    }
    Ok(received_of)
}

async fn supervision_of(
    db: &DatabaseConnection,
    ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<Uuid, SupervisionSummary>, DbErr> {
    // Supervisions started in the period and their recommendations, as /reports/supervisions.
    let held: Vec<supervision::Model> = supervision::Entity::find()
        .filter(supervision::Column::BlocId.is_in(ids.to_vec()))
        .filter(supervision::Column::PlannedStart.gte(from))
        .filter(supervision::Column::PlannedStart.lte(to))
        .filter(supervision::Column::Status.ne(SupervisionStatus::Planned.as_str()))
        .all(db)
        .await?;
    let mut sup_of: HashMap<Uuid, SupervisionSummary> = HashMap::new();
    for s in &held {
        sup_of.entry(s.bloc_id).or_default().held += 1;
    }
    let held_ids: Vec<Uuid> = held.iter().map(|s| s.id).collect();
    if !held_ids.is_empty() {
        for r in recommendation::Entity::find()
            .filter(recommendation::Column::SupervisionId.is_in(held_ids))
            .all(db)
            .await?
        {
            let e = sup_of.entry(r.bloc_id).or_default();
            e.recommendations += 1;
            let st = RecommendationStatus::parse(&r.status).unwrap_or(RecommendationStatus::Open);
            if st == RecommendationStatus::Implemented {
                e.implemented += 1;
            } else if st.is_pending() {
                e.pending += 1;
            }
        }
    }

    Ok(sup_of)
}

async fn evidence_of(
    db: &DatabaseConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, EvidenceSummary>, DbErr> {
    // Evidence held: attached files not removed, counted and summed in one grouped query.
    let evidence_of: HashMap<Uuid, EvidenceSummary> = file::Entity::find()
        .select_only()
        .column(file::Column::BlocId)
        .column_as(ExprTrait::count(Expr::col(file::Column::Id)), "files")
        .column_as(
            ExprTrait::sum(Expr::col(file::Column::Size)).cast_as(Alias::new("bigint")),
            "bytes",
        )
        .filter(file::Column::BlocId.is_in(ids.to_vec()))
        .filter(file::Column::AttachedId.is_not_null())
        .filter(file::Column::RemovedAt.is_null())
        .group_by(file::Column::BlocId)
        .into_tuple::<(Uuid, i64, Option<i64>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(b, files, bytes)| {
            (
                b,
                EvidenceSummary {
                    files,
                    bytes: bytes.unwrap_or(0),
                },
            )
        })
        .collect();
    Ok(evidence_of)
}

#[tracing::instrument(skip_all)]
pub async fn summary(
    db: &DatabaseConnection,
    caller: &Caller,
    q: SummaryQuery,
) -> ApiResult<Summary> {
    policy::authorize(
        &Actor::with_role(caller.role),
        Resource::Summary,
        Action::Read,
        &Target::default(),
    )?;
    let today = crate::clock::today();
    let (from, to) = validate::period(q.from, q.to)?;
    let as_of = std::cmp::min(to, today);
    let (province, blocs) = blocs_of(db, caller, &q).await?;
    let ids: Vec<Uuid> = blocs.iter().map(|b| b.id).collect();
    let db = db;

    // The parts read at once: each is a few statements, and waiting on them one after another
    // was most of the summary's time once the task counts were kept.
    let (counts, (orgs, scs), mut campaigns_of, mut received_of, mut sup_of, evidence_of) = tokio::try_join!(
        super::tallies::counts(db, &ids, from, to, today),
        names(db, &ids),
        campaigns_of(db, &ids, from, to, as_of),
        received_of(db, &ids, from, to, today),
        supervision_of(db, &ids, from, to),
        evidence_of(db, &ids),
    )?;
    for (bloc, list) in &campaigns_of {
        received_of.entry(*bloc).or_default().cascaded_campaigns = list
            .iter()
            .filter(|c| c.parent_campaign_id.is_some())
            .count() as i64;
    }

    let mut totals = ProvinceTotals {
        tasks: StandingCounts::default(),
        supervision: SupervisionSummary::default(),
        evidence: EvidenceSummary::default(),
    };
    let mut out = Vec::with_capacity(blocs.len());
    for b in blocs {
        let mut by_standing = StandingCounts::default();
        let mut by_org: BTreeMap<Option<Uuid>, StandingCounts> = BTreeMap::new();
        let mut by_sc: BTreeMap<Option<Uuid>, StandingCounts> = BTreeMap::new();
        for ((bloc_id, org, sc), s, n) in &counts {
            if *bloc_id != b.id {
                continue;
            }
            bump(&mut by_standing, *s, *n);
            bump(by_org.entry(*org).or_default(), *s, *n);
            bump(by_sc.entry(*sc).or_default(), *s, *n);
            bump(&mut totals.tasks, *s, *n);
        }
        let mut supervision = sup_of.remove(&b.id).unwrap_or_default();
        rate(&mut supervision);
        add(&mut totals.supervision, &supervision);
        let evidence = evidence_of.get(&b.id).copied().unwrap_or_default();
        totals.evidence.files += evidence.files;
        totals.evidence.bytes += evidence.bytes;
        out.push(BlocSummary {
            evidence,
            bloc_id: b.id,
            parent_id: b.parent_id,
            received: received_of.remove(&b.id).unwrap_or_default(),
            level: b.level,
            name: b.name,
            tasks: TaskSummary {
                by_standing,
                by_organisation: by_org
                    .into_iter()
                    .map(|(id, tasks)| {
                        let o = id.and_then(|i| orgs.get(&i));
                        GroupCounts {
                            id,
                            code: o.map(|o| o.code.clone()),
                            name: o.map(|o| o.name.clone()),
                            tasks,
                        }
                    })
                    .collect(),
                by_sub_committee: by_sc
                    .into_iter()
                    .map(|(id, tasks)| {
                        let s = id.and_then(|i| scs.get(&i));
                        GroupCounts {
                            id,
                            code: s.map(|s| s.code.clone()),
                            name: s.map(|s| s.name.clone()),
                            tasks,
                        }
                    })
                    .collect(),
            },
            campaigns: campaigns_of.remove(&b.id).unwrap_or_default(),
            supervision,
        });
    }
    rate(&mut totals.supervision);
    Ok(Summary {
        province,
        from,
        to,
        as_of,
        blocs: out,
        totals,
    })
}

/// The summary as a workbook: one row per bloc with the province's totals, and the campaigns'
/// targets per bloc.
pub fn sheets(s: &Summary) -> Vec<crate::spreadsheet::Sheet> {
    use crate::spreadsheet::{Cell, Sheet, day, percent};
    let level = |l: &str| {
        match l {
            "province" => "Tỉnh",
            "district" => "Huyện",
            "commune" => "Xã",
            other => other,
        }
        .to_string()
    };
    let who = s
        .province
        .as_ref()
        .map_or_else(|| "các khối".to_string(), |p| format!("tỉnh {p}"));
    let subtitle = format!(
        "Từ {} đến {}; số liệu tính đến {}",
        day(s.from),
        day(s.to),
        day(s.as_of)
    );
    let row = |name: Cell, level: Cell, t: &StandingCounts, sup: &SupervisionSummary| {
        vec![
            name,
            level,
            Cell::Count(t.open_within_deadline),
            Cell::Count(t.overdue),
            Cell::Count(t.completed_on_time),
            Cell::Count(t.completed_late),
            Cell::Count(t.total),
            Cell::Count(sup.held),
            Cell::Count(sup.recommendations),
            Cell::Count(sup.implemented),
            percent(sup.implementation_rate),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = s
        .blocs
        .iter()
        .map(|b| {
            row(
                b.name.clone().into(),
                level(&b.level).into(),
                &b.tasks.by_standing,
                &b.supervision,
            )
        })
        .collect();
    rows.push(row(
        "Tổng cộng".into(),
        Cell::Empty,
        &s.totals.tasks,
        &s.totals.supervision,
    ));
    let campaigns = s
        .blocs
        .iter()
        .flat_map(|b| {
            b.campaigns.iter().flat_map(move |c| {
                c.targets.iter().map(move |t| {
                    let mut row: Vec<Cell> = vec![b.name.clone().into(), c.name.clone().into()];
                    row.extend(campaigns::standing::headline_cells(t));
                    row
                })
            })
        })
        .collect();
    vec![
        Sheet {
            name: "Tổng hợp theo khối".into(),
            title: format!("Báo cáo tổng hợp {who}"),
            subtitle: subtitle.clone(),
            headers: vec![
                "Khối",
                "Cấp",
                "Nhiệm vụ trong hạn",
                "Nhiệm vụ quá hạn",
                "Hoàn thành đúng hạn",
                "Hoàn thành quá hạn",
                "Tổng số nhiệm vụ",
                "Cuộc giám sát",
                "Kiến nghị",
                "Kiến nghị đã thực hiện",
                "Tỷ lệ thực hiện kiến nghị",
            ],
            rows,
        },
        Sheet {
            name: "Cuộc vận động".into(),
            title: format!("Kết quả các cuộc vận động {who}"),
            subtitle,
            headers: vec![
                "Khối",
                "Cuộc vận động",
                "Chỉ tiêu",
                "Kết quả",
                "Mục tiêu",
                "Hạn",
                "Đơn vị đã báo cáo",
                "Đơn vị trong phạm vi",
                "Tiến độ",
            ],
            rows: campaigns,
        },
    ]
}
