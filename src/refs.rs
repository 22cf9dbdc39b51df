//! Checks that a referenced resource exists in the caller's bloc; a reference to anything else
//! (missing, or another bloc's) is a 422 naming the field.
use crate::validate::Checks;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, Statement, Value,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Said of a staff member who is the bloc's but has left it.
const INACTIVE_STAFF: &str = "this staff member is no longer active";

/// What a reference names: the bloc's table it is looked up in, and what is said when it is
/// not one of the bloc's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    Staff,
    Unit,
    Organisation,
    SubCommittee,
    Directive,
    Campaign,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Staff,
        Kind::Unit,
        Kind::Organisation,
        Kind::SubCommittee,
        Kind::Directive,
        Kind::Campaign,
    ];

    fn table(self) -> &'static str {
        match self {
            Kind::Staff => "staff",
            Kind::Unit => "units",
            Kind::Organisation => "organisations",
            Kind::SubCommittee => "sub_committees",
            Kind::Directive => "directives",
            Kind::Campaign => "campaigns",
        }
    }

    /// What is said of a reference that is not one of the bloc's.
    pub fn missing(self) -> &'static str {
        match self {
            Kind::Staff => "no such staff member in this bloc",
            Kind::Unit => "no such grassroots unit in this bloc",
            Kind::Organisation => "no such organisation in this bloc",
            Kind::SubCommittee => "no such sub-committee in this bloc",
            Kind::Directive => "no such directive in this bloc",
            Kind::Campaign => "no such campaign in this bloc",
        }
    }

    /// One reference (`field`), checked as a [`Batch`] of one: true when it is the bloc's
    /// (for staff, still active) or there is none; otherwise a problem is added to `c`.
    pub async fn check(
        self,
        conn: &impl ConnectionTrait,
        c: &mut Checks,
        field: &str,
        bloc_id: Uuid,
        id: Option<Uuid>,
    ) -> Result<bool, DbErr> {
        let mut b = Batch::default();
        b.want(field, self, id);
        b.check(conn, c, bloc_id).await
    }
}

enum Item {
    Ref(String, Kind, Uuid),
    Problem(String, String),
}

/// References to the bloc's own records checked in one statement, however many a body names
/// (a task's directive, campaign, lead, coordinators, sub-committee and assignee; a meeting's
/// attendees): one round trip where there was one a reference. Problems found before the look-up
/// (`problem`) keep their place, so the answer lists them in the order the fields were given.
#[derive(Default)]
pub struct Batch(Vec<Item>);

impl Batch {
    pub fn want(&mut self, field: impl Into<String>, kind: Kind, id: Option<Uuid>) {
        if let Some(id) = id {
            self.0.push(Item::Ref(field.into(), kind, id));
        }
    }

    pub fn problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Item::Problem(field.into(), message.into()));
    }

    /// Looks every reference up in `bloc_id` and adds a problem to `c` for each that is not
    /// the bloc's (or, for staff, no longer active); true when it added none.
    pub async fn check(
        self,
        conn: &impl ConnectionTrait,
        c: &mut Checks,
        bloc_id: Uuid,
    ) -> Result<bool, DbErr> {
        let found = self.look_up(conn, bloc_id).await?;
        let mut clean = true;
        for item in self.0 {
            let (field, message) = match item {
                Item::Problem(field, message) => (field, message),
                Item::Ref(field, kind, id) => match found.get(&(kind, id)) {
                    Some(true) => continue,
                    Some(false) => (field, INACTIVE_STAFF.to_string()),
                    None => (field, kind.missing().to_string()),
                },
            };
            c.add(&field, message);
            clean = false;
        }
        Ok(clean)
    }

    /// Which references are the bloc's, and whether each is active (always, but for staff).
    async fn look_up(
        &self,
        conn: &impl ConnectionTrait,
        bloc_id: Uuid,
    ) -> Result<HashMap<(Kind, Uuid), bool>, DbErr> {
        let backend = conn.get_database_backend();
        let mut values: Vec<Value> = Vec::new();
        let mut param = |v: Value| {
            values.push(v);
            match backend {
                DbBackend::Postgres => format!("${}", values.len()),
                _ => "?".to_string(),
            }
        };
        let mut parts = Vec::new();
        for (tag, kind) in Kind::ALL.into_iter().enumerate() {
            let mut ids: Vec<Uuid> = self
                .0
                .iter()
                .filter_map(|i| match i {
                    Item::Ref(_, k, id) if *k == kind => Some(*id),
                    _ => None,
                })
                .collect();
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                continue;
            }
            let bloc = param(bloc_id.into());
            let list = ids
                .into_iter()
                .map(|id| param(id.into()))
                .collect::<Vec<_>>()
                .join(", ");
            let active = if kind == Kind::Staff {
                "active"
            } else {
                "TRUE"
            };
            parts.push(format!(
                "SELECT {tag} AS kind, id, {active} AS active FROM {} \
                 WHERE bloc_id = {bloc} AND id IN ({list})",
                kind.table()
            ));
        }
        if parts.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = parts.join(" UNION ALL ");
        conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
            .into_iter()
            .map(|row| {
                let tag: i32 = row.try_get("", "kind")?;
                let kind = usize::try_from(tag)
                    .ok()
                    .and_then(|t| Kind::ALL.get(t).copied())
                    .ok_or_else(|| DbErr::Type(format!("reference kind {tag}")))?;
                Ok(((kind, row.try_get("", "id")?), row.try_get("", "active")?))
            })
            .collect()
    }
}

/// A list of references (`member_ids`, `unit_ids`, …): at most `max`, none twice, each an
/// existing (and for staff, active) one of the bloc, looked up in one statement. Problems are
/// named `field[i]`.
pub async fn list_in_bloc(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    field: &str,
    bloc_id: Uuid,
    ids: &[Uuid],
    max: usize,
    kind: Kind,
) -> Result<Vec<Uuid>, DbErr> {
    if ids.len() > max {
        c.add(field, format!("must list at most {max}"));
        return Ok(vec![]);
    }
    let mut out = Vec::with_capacity(ids.len());
    let mut batch = Batch::default();
    for (i, id) in ids.iter().enumerate() {
        let f = format!("{field}[{i}]");
        if out.contains(id) {
            batch.problem(f, "is listed twice");
            continue;
        }
        batch.want(f, kind, Some(*id));
        out.push(*id);
    }
    batch.check(conn, c, bloc_id).await?;
    Ok(out)
}

/// True when another resource of the bloc already uses `code` in `code_column` (excluding
/// `except`, the resource being changed). Shared by every resource with a per-bloc code.
pub async fn code_taken<E: crate::tenancy::Tenant>(
    conn: &impl ConnectionTrait,
    bloc_id: Uuid,
    code_column: E::Column,
    code: &str,
    except: Option<Uuid>,
) -> Result<bool, DbErr> {
    let mut s = E::find()
        .filter(E::bloc_column().eq(bloc_id))
        .filter(code_column.eq(code));
    if let Some(id) = except {
        s = s.filter(E::id_column().ne(id));
    }
    Ok(s.one(conn).await?.is_some())
}

/// Codes are upper-case letters, digits, `_` and `-`, 2 to 20 long (`MTTQ`, `HLHPN`, `KT-GS`).
/// Vietnamese letters fold to ASCII first, so `ĐTN` is stored as `DTN`.
pub fn code(c: &mut Checks, field: &str, raw: &str) -> String {
    let v = crate::text::fold(raw.trim()).to_ascii_uppercase();
    if !(2..=20).contains(&v.len())
        || !v
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    {
        c.add(field, "must be 2 to 20 letters, digits, '_' or '-'");
    }
    v
}

/// The child blocs a piece of work is sent down to (`bloc_ids`), checked: each a bloc under
/// `parent` that is not dissolved, listed once, and not among those `already` sent it. Problems
/// are named `bloc_ids[i]`; the valid ones are answered with their place in the list.
pub async fn child_blocs(
    conn: &impl ConnectionTrait,
    c: &mut crate::validate::Checks,
    parent: Uuid,
    ids: &[Uuid],
    already: &[Uuid],
    what: &str,
) -> Result<Vec<(usize, Uuid)>, DbErr> {
    const MAX: usize = 500;
    if ids.is_empty() || ids.len() > MAX {
        c.add("bloc_ids", format!("must list 1 to {MAX} child blocs"));
    }
    let children: Vec<Uuid> = crate::entities::bloc::Entity::find()
        .filter(crate::entities::bloc::Column::ParentId.eq(parent))
        .filter(crate::entities::bloc::Column::DissolvedOn.is_null())
        .filter(crate::entities::bloc::Column::Id.is_in(ids.iter().take(MAX).copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| b.id)
        .collect();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, b) in ids.iter().enumerate().take(MAX) {
        let field = format!("bloc_ids[{i}]");
        if seen.contains(b) {
            c.add(&field, "is listed twice");
        } else if !children.contains(b) {
            c.add(
                &field,
                format!("is not a child bloc of the {what}'s bloc (or it was dissolved)"),
            );
        } else if already.contains(b) {
            c.add(&field, format!("the {what} was already sent to this bloc"));
        } else {
            out.push((i, *b));
        }
        seen.push(*b);
    }
    Ok(out)
}
