//! Imports: a spreadsheet of staff (with their accounts), units, or one target's campaign
//! figures, each row made by the same service call as its single-item endpoint, in one
//! transaction: every row or none. A dry run makes them all and rolls back, so its answer names
//! exactly the problems a real run would meet.
use super::{
    dto::{ImportKind, ImportQuery, ImportResult, RowProblem},
    table::{self, Table, key},
};
use crate::{
    accounts::dto::CreateAccount,
    audit,
    auth::{Caller, password},
    campaigns::dto::NewMeasurement,
    db::begin_write,
    entities::{organisation, sub_committee, unit},
    error::{ApiError, ApiResult, FieldError},
    policy::{self, Action, Actor, Resource, Target},
    staff::dto::{CreateStaff, StaffRole},
    tenancy::Scope,
    units::dto::{CreateUnit, UnitKind},
};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// Most accounts one staff import makes.
pub const MAX_ACCOUNTS: usize = 2_000;

type Known = &'static [(&'static str, &'static [&'static str])];

/// The columns of each kind, with the Vietnamese names the bloc's spreadsheets use.
pub const STAFF_COLUMNS: Known = &[
    ("full_name", &["Họ và tên", "Họ tên"]),
    ("position", &["Chức vụ"]),
    ("role", &["Vai trò"]),
    ("organisation", &["Tổ chức", "Đoàn thể", "Cơ quan"]),
    ("sub_committee", &["Tiểu ban", "Bộ phận"]),
    ("phone", &["Điện thoại", "Số điện thoại", "SĐT"]),
    ("email", &["Thư điện tử"]),
    ("username", &["Tên đăng nhập", "Tài khoản"]),
    ("password", &["Mật khẩu"]),
];
pub const UNIT_COLUMNS: Known = &[
    ("name", &["Tên", "Tên đơn vị"]),
    ("kind", &["Loại", "Cấp"]),
    ("parent", &["Trực thuộc", "Đơn vị cấp trên"]),
    ("population", &["Dân số", "Số dân", "Số nhân khẩu"]),
    ("households", &["Số hộ"]),
];
pub const FIGURE_COLUMNS: Known = &[
    ("unit", &["Đơn vị", "Xã", "Xã, thị trấn"]),
    (
        "measured_on",
        &["Ngày", "Tính đến ngày", "Số liệu đến ngày"],
    ),
    ("value", &["Giá trị", "Số liệu", "Kết quả"]),
    ("numerator", &["Tử số", "Số đạt"]),
    ("denominator", &["Mẫu số", "Tổng số"]),
    ("met", &["Đạt"]),
    ("source", &["Nguồn"]),
    ("note", &["Ghi chú"]),
];

/// One row's cells by column.
struct Row<'a> {
    number: usize,
    decimal_comma: bool,
    cells: HashMap<&'static str, &'a str>,
    headers: HashMap<&'static str, &'a str>,
}

impl Row<'_> {
    fn get(&self, col: &str) -> Option<&str> {
        self.cells.get(col).copied().filter(|v| !v.is_empty())
    }
    fn problem(&self, col: &str, message: impl Into<String>) -> RowProblem {
        RowProblem {
            row: self.number,
            column: self
                .headers
                .get(col)
                .map(|h| h.to_string())
                .unwrap_or_else(|| col.into()),
            field: format!("rows[{}].{col}", self.number),
            message: message.into(),
        }
    }
}

fn rows<'a>(t: &'a Table, cols: &[(&'static str, usize)]) -> Vec<Row<'a>> {
    t.rows
        .iter()
        .map(|(n, cells)| Row {
            number: *n,
            decimal_comma: t.decimal_comma,
            cells: cols
                .iter()
                .map(|(name, i)| (*name, cells.get(*i).map(String::as_str).unwrap_or("")))
                .collect(),
            headers: cols
                .iter()
                .map(|(name, i)| (*name, t.headers[*i].as_str()))
                .collect(),
        })
        .collect()
}

/// A service's problems for one row, named by the row and the file's own column.
fn row_problems(
    row: &Row,
    e: ApiError,
    field_to_col: &dyn Fn(&str) -> String,
) -> Result<Vec<RowProblem>, ApiError> {
    match e {
        ApiError::Validation(errs) => Ok(errs
            .into_iter()
            .map(|f| row.problem(&field_to_col(&f.field), f.message))
            .collect()),
        ApiError::Conflict { detail, .. } => Ok(vec![row.problem("", detail)]),
        other => Err(other),
    }
}

/// Whether the caller may import `kind` at all (before its file is read): the `Create` row of
/// what it makes, in the caller's own bloc. Answers the bloc.
pub fn may_import(caller: &Caller, kind: ImportKind) -> ApiResult<Uuid> {
    let resource = match kind {
        ImportKind::Staff => Resource::Staff,
        ImportKind::Units => Resource::Unit,
        ImportKind::Figures => Resource::Measurement,
    };
    policy::authorize(
        &Actor::with_role(caller.role),
        resource,
        Action::Create,
        &Target::default(),
    )?;
    Scope::of(caller)
        .own_bloc()
        .ok_or_else(|| ApiError::Forbidden("imports are the bloc's own people's".into()))
}

pub async fn run(
    db: &DatabaseConnection,
    caller: &Caller,
    kind: ImportKind,
    q: ImportQuery,
    t: Table,
) -> ApiResult<ImportResult> {
    let bloc_id = may_import(caller, kind)?;
    let dry_run = q.dry_run.unwrap_or(false);
    let (known, required): (Known, &[&str]) = match kind {
        ImportKind::Staff => (STAFF_COLUMNS, &["full_name"]),
        ImportKind::Units => (UNIT_COLUMNS, &["name", "kind"]),
        ImportKind::Figures => (FIGURE_COLUMNS, &["unit", "measured_on"]),
    };
    let cols = table::columns(&t.headers, known, required)?;
    let rows = rows(&t, &cols);
    // Passwords are hashed before the transaction opens (a few at a time, as sign-ins are), so
    // the write lock is not held through seconds of hashing. A dry run hashes nothing.
    let accounts = rows.iter().filter(|r| r.get("password").is_some()).count();
    if accounts > MAX_ACCOUNTS {
        // Each costs a deliberate Argon2id hash (about 27 ms of a core): bounded per request.
        return Err(ApiError::invalid(
            "body",
            format!(
                "makes {accounts} accounts; one import makes at most {MAX_ACCOUNTS}: split the file"
            ),
        ));
    }
    let mut hashes: HashMap<usize, String> = HashMap::new();
    if kind == ImportKind::Staff && !dry_run {
        let wanted: Vec<(usize, String)> = rows
            .iter()
            .filter_map(|r| Some((r.number, r.get("password")?.to_string())))
            .filter(|(_, p)| password::check_policy(p).is_ok())
            .collect();
        let at_once = std::thread::available_parallelism().map_or(2, |n| n.get());
        for chunk in wanted.chunks(at_once) {
            let hashed = futures_util::future::join_all(
                chunk
                    .iter()
                    .map(|(_, p)| password::hash_blocking(p.clone())),
            )
            .await;
            for ((n, _), h) in chunk.iter().zip(hashed) {
                hashes.insert(*n, h?);
            }
        }
    }
    let txn = begin_write(db).await?;
    let mut problems = Vec::new();
    let mut ids = Vec::new();
    for row in &rows {
        let made = match kind {
            ImportKind::Staff => {
                staff_row(
                    &txn,
                    caller,
                    bloc_id,
                    row,
                    hashes.remove(&row.number),
                    dry_run,
                )
                .await?
            }
            ImportKind::Units => unit_row(&txn, caller, bloc_id, row).await?,
            ImportKind::Figures => figure_row(&txn, caller, bloc_id, &q, row).await?,
        };
        match made {
            Ok(mut made) => ids.append(&mut made),
            Err(mut p) => problems.append(&mut p),
        }
    }
    let result = ImportResult {
        kind,
        dry_run,
        rows: rows.len(),
        created: if dry_run || !problems.is_empty() {
            0
        } else {
            ids.len()
        },
        ids: if dry_run || !problems.is_empty() {
            vec![]
        } else {
            ids
        },
        problems,
    };
    if dry_run {
        txn.rollback().await?;
        return Ok(result);
    }
    if !result.problems.is_empty() {
        txn.rollback().await?;
        return Err(ApiError::Validation(
            result
                .problems
                .into_iter()
                .map(|p| FieldError::new(p.field, format!("(`{}`) {}", p.column, p.message)))
                .collect(),
        ));
    }
    // Many resources written; the answer is the import's.
    audit::answer(&txn, caller, true, &result).await?;
    txn.commit().await?;
    Ok(result)
}

type RowOutcome = Result<Result<Vec<Uuid>, Vec<RowProblem>>, ApiError>;

async fn by_code_or_name<E>(
    conn: &impl ConnectionTrait,
    bloc_id: Uuid,
    value: &str,
) -> Result<Option<Uuid>, ApiError>
where
    E: EntityTrait,
    E::Model: CodeOrName,
{
    let want = key(value);
    Ok(E::find()
        .filter(sea_orm::sea_query::ExprTrait::eq(
            sea_orm::sea_query::Expr::col(sea_orm::sea_query::Alias::new("bloc_id")),
            bloc_id,
        ))
        .all(conn)
        .await?
        .into_iter()
        .find(|m| m.names().iter().any(|n| key(n) == want))
        .map(|m| m.id()))
}

trait CodeOrName {
    fn names(&self) -> Vec<&str>;
    fn id(&self) -> Uuid;
}
impl CodeOrName for organisation::Model {
    fn names(&self) -> Vec<&str> {
        vec![&self.code, &self.name]
    }
    fn id(&self) -> Uuid {
        self.id
    }
}
impl CodeOrName for sub_committee::Model {
    /// Its code, its name, or its name without "Tiểu ban" (as spreadsheets often write it).
    fn names(&self) -> Vec<&str> {
        let short = self.name.strip_prefix("Tiểu ban ").unwrap_or(&self.name);
        vec![&self.code, &self.name, short]
    }
    fn id(&self) -> Uuid {
        self.id
    }
}

fn staff_role(v: Option<&str>) -> Option<StaffRole> {
    match v.map(key).as_deref() {
        None => Some(StaffRole::Staff),
        Some("bloc head" | "truong khoi") => Some(StaffRole::BlocHead),
        Some("deputy head" | "pho khoi") => Some(StaffRole::DeputyHead),
        Some("staff" | "can bo" | "chuyen vien") => Some(StaffRole::Staff),
        _ => None,
    }
}

async fn staff_row(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    bloc_id: Uuid,
    row: &Row<'_>,
    hash: Option<String>,
    dry_run: bool,
) -> RowOutcome {
    let mut p = Vec::new();
    let role = staff_role(row.get("role"));
    if role.is_none() {
        p.push(row.problem(
            "role",
            "must be bloc_head (Trưởng khối), deputy_head (Phó khối) or staff (Cán bộ)",
        ));
    }
    let mut organisation_id = None;
    if let Some(v) = row.get("organisation") {
        organisation_id = by_code_or_name::<organisation::Entity>(txn, bloc_id, v).await?;
        if organisation_id.is_none() {
            p.push(row.problem(
                "organisation",
                format!("no organisation `{v}` in this bloc (its code or name)"),
            ));
        }
    }
    let mut sub_committee_id = None;
    if let Some(v) = row.get("sub_committee") {
        sub_committee_id = by_code_or_name::<sub_committee::Entity>(txn, bloc_id, v).await?;
        if sub_committee_id.is_none() {
            p.push(row.problem(
                "sub_committee",
                format!("no sub-committee `{v}` in this bloc (its code or name)"),
            ));
        }
    }
    let (username, pw) = (row.get("username"), row.get("password"));
    if username.is_some() != pw.is_some() {
        p.push(row.problem(
            if username.is_some() {
                "password"
            } else {
                "username"
            },
            "an account needs both a username and a first password",
        ));
    }
    if !p.is_empty() {
        return Ok(Err(p));
    }
    let staff = match crate::staff::service::create_in(
        txn,
        caller,
        bloc_id,
        CreateStaff {
            full_name: row.get("full_name").unwrap_or_default().into(),
            position: row.get("position").map(Into::into),
            organisation_id,
            sub_committee_id,
            role: role.unwrap_or(StaffRole::Staff),
            phone: row.get("phone").map(Into::into),
            email: row.get("email").map(Into::into),
        },
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return Ok(Err(row_problems(row, e, &|f| f.to_string())?)),
    };
    let mut ids = vec![staff.id];
    if let (Some(username), Some(pw)) = (username, pw) {
        // A dry run checks the password's rules but spends no time hashing it.
        let hash = if dry_run { Some(String::new()) } else { hash };
        match crate::accounts::service::create_in(
            txn,
            caller,
            CreateAccount {
                username: username.into(),
                password: pw.into(),
                role: None,
                bloc_id: None,
                staff_id: Some(staff.id),
                province: None,
                province_id: None,
            },
            hash,
        )
        .await
        {
            Ok(a) => ids.push(a.id),
            Err(e) => return Ok(Err(row_problems(row, e, &|f| f.to_string())?)),
        }
    }
    Ok(Ok(ids))
}

fn unit_kind(v: &str) -> Option<UnitKind> {
    Some(match key(v).as_str() {
        "commune" | "xa" => UnitKind::Commune,
        "ward" | "phuong" => UnitKind::Ward,
        "town" | "thi tran" => UnitKind::Town,
        "special zone" | "special_zone" | "dac khu" => UnitKind::SpecialZone,
        "village" | "thon" | "ban" | "ap" | "thon ban" => UnitKind::Village,
        "residential group" | "to dan pho" | "khu dan cu" | "khu pho" => UnitKind::ResidentialGroup,
        _ => return None,
    })
}

async fn unit_by_name(
    txn: &impl ConnectionTrait,
    bloc_id: Uuid,
    name: &str,
) -> Result<Vec<unit::Model>, ApiError> {
    Ok(unit::Entity::find()
        .filter(unit::Column::BlocId.eq(bloc_id))
        .filter(unit::Column::NameFolded.eq(crate::text::fold(name.trim())))
        .all(txn)
        .await?)
}

async fn unit_row(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    bloc_id: Uuid,
    row: &Row<'_>,
) -> RowOutcome {
    let mut p = Vec::new();
    let kind = row.get("kind").and_then(unit_kind);
    if kind.is_none() {
        p.push(row.problem("kind", "must be commune (Xã), ward (Phường), town (Thị trấn), special_zone (Đặc khu), village (Thôn) or residential_group (Tổ dân phố)"));
    }
    let mut parent_id = None;
    if let Some(v) = row.get("parent") {
        // Units earlier in the file count: the transaction already holds them.
        match unit_by_name(txn, bloc_id, v).await?.as_slice() {
            [one] => parent_id = Some(one.id),
            [] => p.push(row.problem(
                "parent",
                format!("no unit `{v}` in this bloc or above this row"),
            )),
            _ => p.push(row.problem(
                "parent",
                format!("several units are named `{v}`; add it by hand"),
            )),
        }
    }
    let mut counts = [None, None];
    for (i, col) in ["population", "households"].into_iter().enumerate() {
        if let Some(v) = row.get(col) {
            counts[i] = table::count(v);
            if counts[i].is_none() {
                p.push(row.problem(col, "must be a whole number"));
            }
        }
    }
    if !p.is_empty() {
        return Ok(Err(p));
    }
    match crate::units::service::create_in(
        txn,
        caller,
        bloc_id,
        CreateUnit {
            name: row.get("name").unwrap_or_default().into(),
            kind: kind.unwrap_or(UnitKind::Village),
            parent_id,
            population: counts[0],
            households: counts[1],
            code: None,
        },
    )
    .await
    {
        Ok(u) => Ok(Ok(vec![u.id])),
        Err(e) => Ok(Err(row_problems(row, e, &|f| {
            if f == "parent_id" {
                "parent".into()
            } else {
                f.to_string()
            }
        })?)),
    }
}

async fn figure_row(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    bloc_id: Uuid,
    q: &ImportQuery,
    row: &Row<'_>,
) -> RowOutcome {
    let (Some(campaign_id), Some(target_id)) = (q.campaign_id, q.target_id) else {
        return Err(ApiError::bad_field(
            "target_id",
            "figures are imported into one target: give campaign_id and target_id",
        ));
    };
    let mut p = Vec::new();
    let name = row.get("unit").unwrap_or_default();
    let unit_id = match unit_by_name(txn, bloc_id, name).await?.as_slice() {
        [one] => Some(one.id),
        [] => {
            p.push(row.problem("unit", format!("no unit `{name}` in this bloc")));
            None
        }
        _ => {
            p.push(row.problem("unit", format!("several units are named `{name}`")));
            None
        }
    };
    let as_of = row.get("measured_on").and_then(table::date);
    if as_of.is_none() {
        p.push(row.problem("measured_on", "must be a day, 2016-06-30 or 30/06/2016"));
    }
    let mut nums = [None, None, None];
    for (i, col) in ["value", "numerator", "denominator"]
        .into_iter()
        .enumerate()
    {
        if let Some(v) = row.get(col) {
            nums[i] = table::number(v, row.decimal_comma);
            if nums[i].is_none() {
                p.push(row.problem(col, "must be a number"));
            }
        }
    }
    let met = match row.get("met").map(key).as_deref() {
        None => None,
        Some("true" | "yes" | "co" | "dat" | "x" | "1") => Some(true),
        Some("false" | "no" | "khong" | "chua dat" | "0") => Some(false),
        Some(_) => {
            p.push(row.problem("met", "must be yes (Có, Đạt) or no (Không, Chưa đạt)"));
            None
        }
    };
    if !p.is_empty() {
        return Ok(Err(p));
    }
    match crate::campaigns::figures::record_in(
        txn,
        caller,
        campaign_id,
        target_id,
        NewMeasurement {
            unit_id: unit_id.unwrap_or_default(),
            as_of: as_of.unwrap_or_default(),
            value: nums[0],
            numerator: nums[1],
            denominator: nums[2],
            met,
            source: row.get("source").map(Into::into),
            evidence: Vec::new(),
            attachments: Vec::new(),
            note: row.get("note").map(Into::into),
            supersedes_id: None,
        },
    )
    .await
    {
        Ok(m) => Ok(Ok(vec![m.id])),
        Err(e) => Ok(Err(row_problems(row, e, &|f| {
            if f == "unit_id" {
                "unit".into()
            } else {
                f.to_string()
            }
        })?)),
    }
}
