//! The layer that answers people by name in every JSON answer (see `people`): answers already
//! final (a kept page, named when it was made) pass as they are.
use crate::state::AppState;
use actix_web::{
    Error,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    web,
};
use serde_json::Value;

pub async fn name_people(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await?.map_into_boxed_body();
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let finished = res
        .response()
        .extensions()
        .get::<crate::answer::Final>()
        .is_some();
    let (Some(state), true, true, false) = (state, json, res.status().is_success(), finished)
    else {
        return Ok(res);
    };
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let named = match crate::people::name_body(&state.db, &bytes).await {
        Ok(named) => named,
        // The answer may be a write that has committed: a failed lookup must not turn it into
        // an error the client would retry. The people are then answered without their names.
        Err(e) => serde_json::from_slice::<Value>(&bytes)
            .ok()
            .map(|mut value| {
                tracing::warn!(error = %e, "people not named in the answer");
                crate::people::name_unknown(&mut value);
                serde_json::to_vec(&value).unwrap_or_default()
            }),
    };
    // Most answers name nobody (a progress, a summary): passed as they are.
    let Some(named) = named else {
        return Ok(ServiceResponse::new(
            req,
            head.set_body(BoxBody::new(bytes)),
        ));
    };
    let mut res = head.set_body(BoxBody::new(named));
    res.headers_mut().remove(header::CONTENT_LENGTH);
    Ok(ServiceResponse::new(req, res))
}
