use super::{
    dto::{ChangePage, ChangeQuery},
    service,
};
use crate::{
    auth::Caller,
    error::ApiResult,
    export::{self, Format},
    state::AppState,
};
use actix_web::{HttpResponse, get, web};

/// Every committed create and update the caller may see, in commit order, after a cursor: a
/// reader that follows `next_after` never misses, repeats or reorders a change, however many
/// writers there are. A bloc sees its own; the portal its province; the admin everything.
#[utoipa::path(tag = "changes", params(ChangeQuery),
    responses((status = 200, description = "The next changes", body = ChangePage)))]
#[get("/changes")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    format: Format,
    req: actix_web::HttpRequest,
    q: crate::extract::Query<ChangeQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let Format::Csv { name, separator } = format else {
        let db = crate::auth::caller::read_db(&req, &state, &caller).await?;
        return Ok(HttpResponse::Ok().json(service::list(db, &caller, q).await?));
    };
    // The CSV follows the feed to its end, page after page: each from the replica only once it
    // has replayed what the caller could see when they asked.
    let position = crate::auth::caller::read_position(&req, &state, &caller).await?;
    // CSV: the whole feed from `after` on, page by page.
    let start = q.after.map(|a| a.to_string());
    export::stream_csv(&name, separator, start, move |after: Option<String>| {
        let (state, caller) = (state.clone(), caller.clone());
        let q = ChangeQuery {
            after: after.and_then(|a| a.parse().ok()),
            limit: Some(1000),
            resource_type: q.resource_type.clone(),
        };
        async move {
            let db = state.replica.at_least(&state.db, position).await;
            let page = service::list(db, &caller, q).await?;
            let next = page.has_more.then(|| page.next_after.to_string());
            Ok((page.items, next))
        }
    })
    .await
}
