use super::{
    dto::{ChangePage, ChangeQuery},
    service,
};
use crate::{auth::Caller, error::ApiResult, startup::AppState};
use actix_web::{get, web};

/// Every committed create and update the caller may see, in commit order, after a cursor: a
/// reader that follows `next_after` never misses, repeats or reorders a change, however many
/// writers there are. A bloc sees its own; the portal its province; the admin everything.
#[utoipa::path(tag = "changes", params(ChangeQuery),
    responses((status = 200, description = "The next changes", body = ChangePage)))]
#[get("/changes")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ChangeQuery>,
) -> ApiResult<web::Json<ChangePage>> {
    Ok(web::Json(
        service::list(&state, &caller, q.into_inner()).await?,
    ))
}
