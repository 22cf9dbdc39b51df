//! Checks that a referenced resource exists in the caller's bloc; a reference to anything else
//! (missing, or another bloc's) is a 422 naming the field.
use crate::{
    entities::{organisation, staff, sub_committee, unit},
    validate::Checks,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

pub async fn staff_in_bloc(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    field: &str,
    bloc_id: Uuid,
    id: Option<Uuid>,
) -> Result<Option<staff::Model>, DbErr> {
    let Some(id) = id else { return Ok(None) };
    let found = staff::Entity::find_by_id(id)
        .filter(staff::Column::BlocId.eq(bloc_id))
        .one(conn)
        .await?;
    match found {
        Some(s) if s.active => Ok(Some(s)),
        Some(_) => {
            c.add(field, "this staff member is no longer active");
            Ok(None)
        }
        None => {
            c.add(field, "no such staff member in this bloc");
            Ok(None)
        }
    }
}

pub async fn organisation_in_bloc(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    field: &str,
    bloc_id: Uuid,
    id: Option<Uuid>,
) -> Result<Option<organisation::Model>, DbErr> {
    let Some(id) = id else { return Ok(None) };
    let found = organisation::Entity::find_by_id(id)
        .filter(organisation::Column::BlocId.eq(bloc_id))
        .one(conn)
        .await?;
    if found.is_none() {
        c.add(field, "no such organisation in this bloc");
    }
    Ok(found)
}

pub async fn sub_committee_in_bloc(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    field: &str,
    bloc_id: Uuid,
    id: Option<Uuid>,
) -> Result<Option<sub_committee::Model>, DbErr> {
    let Some(id) = id else { return Ok(None) };
    let found = sub_committee::Entity::find_by_id(id)
        .filter(sub_committee::Column::BlocId.eq(bloc_id))
        .one(conn)
        .await?;
    if found.is_none() {
        c.add(field, "no such sub-committee in this bloc");
    }
    Ok(found)
}

pub async fn unit_in_bloc(
    conn: &impl ConnectionTrait,
    c: &mut Checks,
    field: &str,
    bloc_id: Uuid,
    id: Option<Uuid>,
) -> Result<Option<unit::Model>, DbErr> {
    let Some(id) = id else { return Ok(None) };
    let found = unit::Entity::find_by_id(id)
        .filter(unit::Column::BlocId.eq(bloc_id))
        .one(conn)
        .await?;
    if found.is_none() {
        c.add(field, "no such grassroots unit in this bloc");
    }
    Ok(found)
}

/// What a list of ids refers to.
#[derive(Clone, Copy)]
pub enum Kind {
    Staff,
    Unit,
    Organisation,
}

/// A list of references (`member_ids`, `unit_ids`, …): at most `max`, none twice, each an
/// existing (and for staff, active) one of the bloc. Problems are named `field[i]`.
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
    for (i, id) in ids.iter().enumerate() {
        let f = format!("{field}[{i}]");
        if out.contains(id) {
            c.add(&f, "is listed twice");
            continue;
        }
        match kind {
            Kind::Staff => staff_in_bloc(conn, c, &f, bloc_id, Some(*id))
                .await
                .map(|_| ())?,
            Kind::Unit => unit_in_bloc(conn, c, &f, bloc_id, Some(*id))
                .await
                .map(|_| ())?,
            Kind::Organisation => organisation_in_bloc(conn, c, &f, bloc_id, Some(*id))
                .await
                .map(|_| ())?,
        }
        out.push(*id);
    }
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
