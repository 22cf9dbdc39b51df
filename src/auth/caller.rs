use super::Role;
use crate::{
    entities::account, error::ApiError, middleware::RequestId, position::Of, state::AppState,
};
use actix_web::{
    FromRequest, HttpMessage, HttpRequest,
    body::{BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};
use std::future::{Ready, ready};
use uuid::Uuid;

/// The authenticated caller, taken from a verified bearer token. Every protected handler takes
/// one; without a valid token the request ends here with 401.
#[derive(Clone, Debug)]
pub struct Caller {
    pub account_id: Uuid,
    pub role: Role,
    pub bloc_id: Option<Uuid>,
    pub province: Option<String>,
    /// The request's id, recorded with every write in the audit log.
    pub request_id: Option<String>,
    /// An API client (client credentials) rather than a person.
    pub client: bool,
    /// A client token's scopes (None: every scope its client holds).
    pub scope: Option<String>,
    /// The `Idempotency-Key` this request runs under, if any: the write's transaction records
    /// its answer against it (see [`crate::audit::record`]).
    pub idempotency: Option<Claim>,
    /// The person behind a person's account, as far as the token check read it.
    pub staffing: Known,
}

/// How much of the person behind a caller the token check read (see [`asks_who`]).
#[derive(Clone, Debug)]
pub enum Known {
    /// Read with the account: the policy's `Actor` is made from it without a statement.
    Read(std::sync::Arc<Staffing>),
    /// Not read: the check ran for a route that never asks who the person is.
    Unasked,
    /// No check ran (the seeds, the scheduler's series): read when asked.
    Unchecked,
}

/// What the policy's `Actor` needs of the person behind an account: their staff record while
/// it is active, and the sub-committees and organisations they head. Read in the token check's
/// own statement, so no read or write needs a second round trip to know who asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Staffing {
    pub staff_id: Option<Uuid>,
    pub heads: Vec<Uuid>,
    pub leads: Vec<Uuid>,
}

/// The key a request runs under, handed to its write through the [`Caller`]; made by the idempotency layer.
#[derive(Clone, Debug)]
pub struct Claim {
    pub account_id: uuid::Uuid,
    pub key: String,
    pub(crate) endpoint: String,
    pub(crate) fingerprint: String,
    /// Set once the request's first write has stored the key.
    pub(crate) stored: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// The outcome of authenticating a request, decided once by [`layer`].
#[derive(Clone)]
struct Authenticated(Result<Caller, ApiError>);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ext = req.extensions();
        let result = match ext.get::<Authenticated>() {
            Some(Authenticated(r)) => r.clone().map(|mut c| {
                c.idempotency = ext.get::<Claim>().cloned();
                c
            }),
            None => Err(ApiError::Unauthorized("a bearer token is required".into())),
        };
        ready(result)
    }
}

/// The caller of a request that carries a bearer token, as [`layer`] decided it (None without
/// one).
pub fn of(req: &HttpRequest) -> Option<Result<Caller, ApiError>> {
    req.extensions()
        .get::<Authenticated>()
        .map(|Authenticated(r)| r.clone())
}

/// Authenticates every request that carries an `Authorization` header, once: verifies the token,
/// checks that a person's account still stands as it did when the token was issued, and admits
/// an API client (active, within its rate limit, holding the scope the route needs). Handlers
/// and the idempotency layer read the outcome from the request's extensions.
pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.headers().contains_key(header::AUTHORIZATION)
        && let Some(state) = req.app_data::<web::Data<AppState>>().cloned()
    {
        let outcome = authenticate(req.request(), &state)
            .await
            .map(|(caller, inbox, position)| {
                // Every log line of the request names who made it (never the token itself).
                tracing::Span::current()
                    .record("account", tracing::field::display(caller.account_id));
                if let Some(v) = inbox {
                    req.extensions_mut().insert(InboxVersion(v));
                }
                if let Some(p) = position {
                    req.extensions_mut().insert(KeptPosition(p));
                }
                caller
            });
        req.extensions_mut().insert(Authenticated(outcome));
    }
    next.call(req).await.map(|r| r.map_into_boxed_body())
}

/// The version of the person's inbox, read with the account by [`layer`]: a kept inbox
/// answer is served only at the version it was made at.
#[derive(Clone, Copy, Debug)]
pub struct InboxVersion(pub i64);

/// The caller's inbox version as the token check read it (None for an API client).
pub fn inbox_version(req: &HttpRequest) -> Option<i64> {
    req.extensions().get::<InboxVersion>().map(|v| v.0)
}

/// The position of the caller's kept answers, read with the token on the reads that may keep
/// them (see [`authenticate`]).
#[derive(Clone, Copy, Debug)]
struct KeptPosition(i64);

/// The position the caller's kept answers are keyed by (see `page_cache`): as the token check
/// read it, or read now on a route the check does not read it for.
pub async fn kept_position(
    req: &HttpRequest,
    db: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
) -> Result<i64, sea_orm::DbErr> {
    let known = req.extensions().get::<KeptPosition>().map(|p| p.0);
    match known {
        Some(p) => Ok(p),
        None => crate::position::read(db, &caller.position_of()).await,
    }
}

/// The position a read that a replica may serve must see (`replica::Replica::at_least`): what
/// the caller could see when the token was checked; 0 without a replica, where it is not read.
pub async fn read_position(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
) -> Result<i64, sea_orm::DbErr> {
    match state.replica.configured() {
        true => kept_position(req, &state.db, caller).await,
        false => Ok(0),
    }
}

/// Where a read that a replica may serve goes: the replica once it has replayed every change
/// the caller could see when the token was checked, otherwise the primary (see `replica`).
pub async fn read_db<'a>(
    req: &HttpRequest,
    state: &'a AppState,
    caller: &Caller,
) -> Result<&'a sea_orm::DatabaseConnection, sea_orm::DbErr> {
    let position = read_position(req, state, caller).await?;
    Ok(state.replica.at_least(&state.db, position).await)
}

async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
) -> Result<(Caller, Option<i64>, Option<i64>), ApiError> {
    let (caller, version) = verify(req, state)?;
    // A read that may serve a kept answer needs the position of what the caller sees: read it
    // in the statement the token check makes anyway rather than in a second round trip. Only
    // there: on other reads it cost the detail 7-16 % (BENCHMARKS.md).
    let route = req.path().strip_prefix(crate::state::API_PREFIX);
    let kept = req.method() == actix_web::http::Method::GET
        && route.is_some_and(|route| {
            crate::page_cache::kept_read(route)
                || (state.replica.configured() && crate::replica::routed(route))
        });
    let of = kept.then(|| caller.position_of());
    let who = route.is_some_and(|route| asks_who(route, caller.role));
    if caller.client {
        // A client's token is only as good as the client: disabled clients stop at once, every
        // request counts towards its rate limit, and a scope taken from the client since the
        // token was issued is gone from the token too.
        let need = super::clients::scope_for(req.path());
        let (held, position) =
            super::clients::admit(&state.db, caller.account_id, of.as_ref()).await?;
        let granted = caller
            .scope
            .as_deref()
            .is_none_or(|s| s.split_whitespace().any(|x| x == need));
        if !granted || !held.iter().any(|h| h == need) {
            return Err(ApiError::Forbidden(format!(
                "this client's token does not hold the `{need}` scope"
            )));
        }
        return Ok((caller, None, of.map(|_| position)));
    }
    // A person's token stands only while the account does: deactivating it, changing or
    // resetting its password, or changing its role or staff link moves the account's version
    // and ends every token issued before, here, on every instance.
    let Some(current) = standing(&state.db, caller.account_id, of.as_ref(), who).await? else {
        return Err(ApiError::InvalidToken(
            "the token's account no longer exists".into(),
        ));
    };
    if !current.active {
        return Err(ApiError::InvalidToken("the account is disabled".into()));
    }
    if Some(current.version) != version {
        return Err(ApiError::InvalidToken(
            "the account has changed since this token was issued; sign in again".into(),
        ));
    }
    // A password someone else set is for one thing: choosing one's own.
    if current.must_change_password && !may_precede_password_change(req) {
        return Err(ApiError::PasswordChangeRequired);
    }
    let caller = Caller {
        staffing: match current.staffing {
            Some(s) => Known::Read(std::sync::Arc::new(s)),
            None => Known::Unasked,
        },
        ..caller
    };
    Ok((caller, Some(current.inbox), of.map(|_| current.position)))
}

/// Whether a request to `route` (the path after the API's prefix) by a person of `role` may be
/// decided by who that person is (the policy's `Actor`: their staff record, what they head).
/// The token check reads the person with the account only then: the joins it takes cost
/// the check's statement 40 % of its rate (BENCHMARKS.md), and the requests made most (the
/// inbox every phone polls, `/me`, the portal's feed, the reports) never ask. A route that asks
/// but is answered `false` here still works, reading the person in a statement of its own, and
/// fails a debug build's assertion in `Actor::of`, so the suite finds it.
pub fn asks_who(route: &str, role: Role) -> bool {
    if !role.is_bloc_member() {
        return false;
    }
    let route = route.trim_end_matches('/');
    let first = route
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("");
    match first {
        "me" => route == "/me/tasks",
        "changes" | "reports" | "auth" | "audit-log" | "push" | "calendar" | "provinces"
        | "blocs" | "units" | "accounts" | "clients" | "webhooks" => false,
        _ => true,
    }
}

impl Caller {
    /// Whose position the caller's kept answers follow, by the scope they are kept under
    /// (`tenancy::Scope::of`): a bloc's family, a province's blocs, or the whole feed (the
    /// admin, and a token fitting no scope, which sees nothing).
    pub fn position_of(&self) -> Of {
        match (self.role, &self.province, self.bloc_id) {
            (Role::Admin, _, _) => Of::Feed,
            (Role::Portal, Some(p), _) => Of::Province(crate::text::fold(&crate::text::clean(p))),
            (Role::Portal, None, _) | (_, _, None) => Of::Feed,
            (_, _, Some(b)) => Of::Bloc(b),
        }
    }
}

/// The account as the token check needs it.
struct Standing {
    active: bool,
    version: i32,
    must_change_password: bool,
    /// The version of its inbox (0 before anything reached it).
    inbox: i64,
    /// The position of the scope asked for (0 when none was).
    position: i64,
    /// The person behind it, when asked.
    staffing: Option<Staffing>,
}

/// The account's [`Standing`], with, when asked, the person behind it (`who`) and the position
/// of `of`, in one statement.
async fn standing(
    db: &sea_orm::DatabaseConnection,
    id: Uuid,
    of: Option<&Of>,
    who: bool,
) -> Result<Option<Standing>, sea_orm::DbErr> {
    use crate::entities::inbox_version as iv;
    use sea_orm::{
        ConnectionTrait,
        sea_query::{Expr, ExprTrait, Func, Query},
    };
    let backend = db.get_database_backend();
    let mut q = Query::select()
        .column((account::Entity, account::Column::Active))
        .column((account::Entity, account::Column::Version))
        .column((account::Entity, account::Column::MustChangePassword))
        .expr(Func::coalesce([
            Expr::col((iv::Entity, iv::Column::Version)),
            Expr::val(0i64),
        ]))
        .expr(crate::position::column(of))
        .from(account::Entity)
        .left_join(
            iv::Entity,
            Expr::col((iv::Entity, iv::Column::AccountId))
                .equals((account::Entity, account::Column::Id)),
        )
        .and_where(Expr::col((account::Entity, account::Column::Id)).eq(id))
        .to_owned();
    if who {
        Staffing::columns(&mut q, backend);
    }
    let Some(row) = db.query_one_raw(backend.build(&q)).await? else {
        return Ok(None);
    };
    Ok(Some(Standing {
        active: row.try_get_by_index(0)?,
        version: row.try_get_by_index(1)?,
        must_change_password: row.try_get_by_index(2)?,
        inbox: row.try_get_by_index(3)?,
        position: row.try_get_by_index(4)?,
        staffing: who.then(|| Staffing::at(&row, 5)).transpose()?,
    }))
}

impl Staffing {
    /// The person behind account `id`, as the token check reads them: for a caller no check
    /// made.
    pub async fn of(db: &impl sea_orm::ConnectionTrait, id: Uuid) -> Result<Self, sea_orm::DbErr> {
        use sea_orm::sea_query::{Expr, ExprTrait, Query};
        let backend = db.get_database_backend();
        let mut q = Query::select()
            .from(account::Entity)
            .and_where(Expr::col((account::Entity, account::Column::Id)).eq(id))
            .to_owned();
        Staffing::columns(&mut q, backend);
        match db.query_one_raw(backend.build(&q)).await? {
            Some(row) => Staffing::at(&row, 0),
            None => Ok(Staffing::default()),
        }
    }

    /// Adds to `q`, a select of accounts, the three columns [`Staffing::at`] reads, last.
    fn columns(q: &mut sea_orm::sea_query::SelectStatement, backend: sea_orm::DbBackend) {
        use crate::entities::staff;
        use sea_orm::sea_query::{Expr, ExprTrait};
        let headed = |table: &str| {
            crate::db::ids_column(
                backend,
                "h.id",
                &format!("{table} h"),
                "h.head_staff_id = staff.id",
            )
        };
        q.column((staff::Entity, staff::Column::Id))
            .expr(headed("sub_committees"))
            .expr(headed("organisations"))
            // Only an active record makes the account someone the rules know.
            .left_join(
                staff::Entity,
                Expr::col((staff::Entity, staff::Column::Id))
                    .equals((account::Entity, account::Column::StaffId))
                    .and(Expr::col((staff::Entity, staff::Column::Active)).eq(true)),
            );
    }

    /// The columns [`Staffing::columns`] added, from index `at` of `row`.
    fn at(row: &sea_orm::QueryResult, at: usize) -> Result<Self, sea_orm::DbErr> {
        let ids = |i: usize| {
            row.try_get_by_index::<Option<String>>(i)
                .and_then(|raw| crate::db::ids_in(raw.as_deref()))
        };
        Ok(Staffing {
            staff_id: row.try_get_by_index(at)?,
            heads: ids(at + 1)?,
            leads: ids(at + 2)?,
        })
    }
}

/// What an account with a password set by someone else may still do: see itself, change the
/// password, sign out.
fn may_precede_password_change(req: &HttpRequest) -> bool {
    let path = req.path().trim_end_matches('/');
    let api = crate::state::API_PREFIX;
    path == format!("{api}/me")
        || path == format!("{api}/me/password")
        || path == format!("{api}/auth/logout")
}

/// Checks the token's signature and claims; returns the caller and the token's `ver`.
fn verify(req: &HttpRequest, state: &AppState) -> Result<(Caller, Option<i32>), ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::InvalidToken("the Authorization header is malformed".into()))?;
    let token = match value.split_once(' ') {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() =>
        {
            rest.trim()
        }
        _ => {
            return Err(ApiError::InvalidToken(
                "the Authorization header must be `Bearer <token>`".into(),
            ));
        }
    };
    let claims = state
        .keys
        .verify(token)
        .map_err(|reason| ApiError::InvalidToken(reason.into()))?;
    let caller = Caller {
        account_id: claims.sub,
        role: claims.role,
        bloc_id: claims.bloc_id,
        province: claims.province,
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        client: claims.svc,
        scope: claims.scope,
        idempotency: None,
        staffing: Known::Unasked,
    };
    Ok((caller, claims.ver))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_person_is_read_for_the_routes_that_ask_and_only_for_people_of_a_bloc() {
        for role in [Role::BlocHead, Role::DeputyHead, Role::Staff] {
            for route in [
                "/tasks",
                "/tasks/7b1f/transitions",
                "/me/tasks",
                "/me/tasks/",
                "/campaigns/7b1f/progress",
                "/directives/7b1f/dispatches",
                "/dispatches",
                "/comments/7b1f",
                "/files/7b1f/content",
                "/supervisions/7b1f/recommendations/9c2e/responses",
                "/meetings",
                "/staff/7b1f/assignments",
                "/sub-committees",
                "/organisations/7b1f",
                "/unit-assignments/uncovered",
                "/task-series",
                "/imports/tasks",
                "/a-route-added-later",
            ] {
                assert!(asks_who(route, role), "{route} {role:?}");
            }
            for route in [
                "/me",
                "/me/",
                "/me/notifications",
                "/me/notifications/7b1f/read",
                "/me/notification-preferences",
                "/me/password",
                "/changes",
                "/reports/summary",
                "/auth/logout",
                "/blocs/7b1f",
                "/units",
            ] {
                assert!(!asks_who(route, role), "{route} {role:?}");
            }
        }
        for role in [Role::Admin, Role::Portal] {
            assert!(!asks_who("/tasks", role));
            assert!(!asks_who("/me/tasks", role));
        }
    }
}
