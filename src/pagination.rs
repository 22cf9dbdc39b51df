//! Keyset pagination: `?limit=&cursor=&sort=`. A cursor carries the sort key and id of the last
//! row served, so a page costs the same however deep it is.
use crate::error::ApiError;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Condition, SimpleExpr},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(example = json!(null))]
    pub next_cursor: Option<String>,
}

/// `fields=`: the fields each item of a list answers with (`id` always), for a smaller answer.
#[derive(Clone, Debug)]
pub struct Fields(Vec<String>);

/// A list's answer: whole, or its items cut to the fields asked for.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Picked<T: ToSchema> {
    All(Page<T>),
    Some {
        items: Vec<serde_json::Map<String, serde_json::Value>>,
        next_cursor: Option<String>,
    },
}

impl Fields {
    /// Names checked against `known`, an item's properties (see [`property_names`]).
    pub fn parse(raw: Option<&str>, known: &[String]) -> Result<Option<Self>, ApiError> {
        let Some(raw) = raw else { return Ok(None) };
        let asked: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        if asked.is_empty() {
            return Err(ApiError::bad_field(
                "fields",
                "must name at least one field",
            ));
        }
        let mut names = vec!["id".to_string()];
        for f in asked {
            if !known.iter().any(|k| k == f) {
                return Err(ApiError::bad_field(
                    "fields",
                    format!("`{f}` is not one of {}", known.join(", ")),
                ));
            }
            if !names.iter().any(|n| n == f) {
                names.push(f.to_string());
            }
        }
        Ok(Some(Self(names)))
    }

    /// `page` whole when no fields were asked for, else each item cut to them.
    pub fn pick<T: ToSchema + Serialize>(
        fields: Option<&Self>,
        page: Page<T>,
    ) -> Result<Picked<T>, ApiError> {
        let Some(Self(names)) = fields else {
            return Ok(Picked::All(page));
        };
        let items = page
            .items
            .iter()
            .map(|item| match serde_json::to_value(item) {
                Ok(serde_json::Value::Object(mut all)) => {
                    Ok(names.iter().filter_map(|n| all.remove_entry(n)).collect())
                }
                Ok(_) => Ok(Default::default()),
                Err(e) => Err(ApiError::internal(e)),
            })
            .collect::<Result<_, _>>()?;
        Ok(Picked::Some {
            items,
            next_cursor: page.next_cursor,
        })
    }
}

/// The properties of `T`'s schema, the one the spec documents: what `fields=` may name. Read
/// once per list (it builds the whole schema), not per request.
pub fn property_names<T: utoipa::PartialSchema>() -> Vec<String> {
    match T::schema() {
        utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Object(o)) => {
            o.properties.keys().cloned().collect()
        }
        _ => vec![],
    }
}

pub fn limit(raw: Option<i64>) -> Result<u64, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as u64),
        Some(_) => Err(ApiError::bad_field(
            "limit",
            format!("must be from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// The most ids one `ids=` filter takes.
pub const MAX_IDS: usize = 100;

/// What a phone syncing a list asks for: only what changed at or after `updated_since` (the
/// largest `updated_at` it has seen: an item changed in that same instant comes again rather
/// than never), and only the items named in `ids` (comma-separated, at most 100). Both narrow
/// the list's other filters; the caller's scope still decides what exists.
pub fn synced<E: EntityTrait>(
    mut select: Select<E>,
    updated_since: Option<DateTime<Utc>>,
    ids: Option<&str>,
    updated_at: E::Column,
    id: E::Column,
) -> Result<Select<E>, ApiError> {
    if let Some(t) = updated_since {
        select = select.filter(updated_at.gte(t));
    }
    if let Some(raw) = ids {
        select = select.filter(id.is_in(parse_ids(raw)?));
    }
    Ok(select)
}

/// `ids=a,b,c`: 1 to 100 UUIDs.
pub fn parse_ids(raw: &str) -> Result<Vec<Uuid>, ApiError> {
    let parts: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > MAX_IDS {
        return Err(ApiError::bad_field(
            "ids",
            format!("must list 1 to {MAX_IDS} ids, comma-separated"),
        ));
    }
    parts
        .iter()
        .map(|p| {
            Uuid::parse_str(p).map_err(|_| {
                ApiError::bad_field(
                    "ids",
                    format!("`{p}` must be a UUID, e.g. 019ac000-0000-7000-8000-000000000001"),
                )
            })
        })
        .collect()
}

/// How a sortable field's values are typed in a cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Date,
    Time,
}

/// A field clients may sort on: its name in `sort=`, its column and its kind.
pub struct SortField<C> {
    pub name: &'static str,
    pub column: C,
    pub kind: Kind,
}

/// The parsed `sort` and `cursor` of a request.
pub struct Keyset<'a, C> {
    pub field: Option<&'a SortField<C>>,
    pub desc: bool,
    after: Option<(serde_json::Value, Uuid)>,
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    /// The sort it was made for (`-due_on`, `name`, or empty for the default order).
    s: String,
    v: serde_json::Value,
    id: Uuid,
}

impl<'a, C: ColumnTrait> Keyset<'a, C> {
    /// `sort` must name one of `fields` (with `-` for descending); without it rows come in
    /// creation order (ids are time-ordered UUID v7).
    pub fn parse(
        sort: Option<&str>,
        cursor: Option<&str>,
        fields: &'a [SortField<C>],
    ) -> Result<Self, ApiError> {
        let (field, desc, label) = match sort.map(str::trim).filter(|s| !s.is_empty()) {
            None => (None, false, String::new()),
            Some(s) => {
                let (desc, name) = match s.strip_prefix('-') {
                    Some(n) => (true, n),
                    None => (false, s.strip_prefix('+').unwrap_or(s)),
                };
                let f = fields.iter().find(|f| f.name == name).ok_or_else(|| {
                    let names: Vec<String> = fields.iter().map(|f| f.name.to_string()).collect();
                    ApiError::bad_field(
                        "sort",
                        if names.is_empty() {
                            "this list cannot be sorted".to_string()
                        } else {
                            format!(
                                "must be one of {} (prefix - for descending)",
                                names.join(", ")
                            )
                        },
                    )
                })?;
                (Some(f), desc, s.to_string())
            }
        };
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => {
                let bad = || ApiError::bad_field("cursor", "is not a cursor from this list");
                let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
                let data: CursorData = serde_json::from_slice(&bytes).map_err(|_| bad())?;
                if data.s != label {
                    return Err(ApiError::bad_field(
                        "cursor",
                        "was made for another sort order; start again without a cursor",
                    ));
                }
                if let Some(f) = field {
                    to_value(f.kind, &data.v).ok_or_else(bad)?;
                }
                Some((data.v, data.id))
            }
        };
        Ok(Self { field, desc, after })
    }

    /// Orders and limits `select` (fetching one extra row to know whether a next page exists)
    /// and continues after the cursor.
    pub fn apply<E: EntityTrait>(&self, mut select: Select<E>, id: C, limit: u64) -> Select<E> {
        let (order, gt) = if self.desc {
            (Order::Desc, false)
        } else {
            (Order::Asc, true)
        };
        if let Some((v, after_id)) = &self.after {
            let id_cmp = |col: C| -> SimpleExpr {
                if gt {
                    col.gt(*after_id)
                } else {
                    col.lt(*after_id)
                }
            };
            let cond = match self.field {
                None => Condition::all().add(id_cmp(id)),
                Some(f) => {
                    let v = to_value(f.kind, v).unwrap_or(sea_orm::Value::Bool(None));
                    let beyond = if gt {
                        f.column.gt(v.clone())
                    } else {
                        f.column.lt(v.clone())
                    };
                    Condition::any()
                        .add(beyond)
                        .add(Condition::all().add(f.column.eq(v)).add(id_cmp(id)))
                }
            };
            select = select.filter(cond);
        }
        if let Some(f) = self.field {
            select = select.order_by(f.column, order.clone());
        }
        select.order_by(id, order).limit(limit + 1)
    }

    /// Cuts the extra row and makes the cursor for the next page from the last row served.
    pub fn finish<M, T: ToSchema>(
        &self,
        mut rows: Vec<M>,
        limit: u64,
        key: impl Fn(&M) -> (serde_json::Value, Uuid),
        map: impl FnMut(M) -> T,
    ) -> Page<T> {
        let next_cursor = self.next_cursor(&mut rows, limit, key);
        Page {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }

    /// Cuts the extra row off `rows` and returns the cursor for the next page, if there is one.
    pub fn next_cursor<M>(
        &self,
        rows: &mut Vec<M>,
        limit: u64,
        key: impl Fn(&M) -> (serde_json::Value, Uuid),
    ) -> Option<String> {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        if !more {
            return None;
        }
        rows.last().map(|last| {
            let (v, id) = key(last);
            let label = match self.field {
                None => String::new(),
                Some(f) => format!("{}{}", if self.desc { "-" } else { "" }, f.name),
            };
            let data = CursorData {
                s: label,
                v: if self.field.is_some() {
                    v
                } else {
                    serde_json::Value::Null
                },
                id,
            };
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap_or_default())
        })
    }

    /// Runs `select` for one page (ordered, after the cursor) and makes the page of DTOs.
    pub async fn fetch<E, T>(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        select: Select<E>,
        id: C,
        limit: u64,
        key: impl Fn(&E::Model) -> (serde_json::Value, Uuid),
        map: impl FnMut(E::Model) -> T,
    ) -> Result<Page<T>, sea_orm::DbErr>
    where
        E: EntityTrait,
        T: ToSchema,
    {
        let rows = self.apply(select, id, limit).all(conn).await?;
        Ok(self.finish(rows, limit, key, map))
    }

    /// Whether this is a list's first page (no cursor).
    pub fn first_page(&self) -> bool {
        self.after.is_none()
    }

    /// The name of the sort field, for `key` functions.
    pub fn field_name(&self) -> Option<&'static str> {
        self.field.map(|f| f.name)
    }
}

fn to_value(kind: Kind, v: &serde_json::Value) -> Option<sea_orm::Value> {
    Some(match kind {
        Kind::Text => sea_orm::Value::from(v.as_str()?.to_string()),
        Kind::Int => sea_orm::Value::from(v.as_i64()?),
        Kind::Date => {
            sea_orm::Value::from(NaiveDate::parse_from_str(v.as_str()?, "%Y-%m-%d").ok()?)
        }
        Kind::Time => sea_orm::Value::from(
            DateTime::parse_from_rfc3339(v.as_str()?)
                .ok()?
                .with_timezone(&Utc),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::staff;

    fn fields() -> Vec<SortField<staff::Column>> {
        vec![SortField {
            name: "full_name",
            column: staff::Column::FullName,
            kind: Kind::Text,
        }]
    }

    #[test]
    fn limit_is_checked() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some(200)).unwrap(), 200);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
    }

    #[test]
    fn unknown_sort_names_the_allowed_ones() {
        let f = fields();
        let e = Keyset::parse(Some("-salary"), None, &f)
            .err()
            .unwrap()
            .problem();
        assert_eq!(e.status, 400);
        assert!(e.errors[0].message.contains("full_name"));
    }

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_sort() {
        let f = fields();
        let k = Keyset::parse(Some("-full_name"), None, &f).unwrap();
        let id = Uuid::now_v7();
        let page = k.finish(
            vec![1, 2, 3],
            2,
            |_| (serde_json::json!("Nguyễn Thế Hòa"), id),
            |n: i32| n.to_string(),
        );
        assert_eq!(page.items, ["1", "2"]);
        let c = page.next_cursor.unwrap();
        assert!(Keyset::parse(Some("-full_name"), Some(&c), &f).is_ok());
        assert!(Keyset::parse(Some("full_name"), Some(&c), &f).is_err());
        assert!(Keyset::parse(None, Some("garbage"), &f).is_err());
    }
}
