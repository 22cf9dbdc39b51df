//! Liveness, readiness and metrics: unauthenticated, for load balancers and Prometheus.
use crate::{error::ApiError, metrics::Metrics, state::AppState};
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is alive.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Alive", body = HealthStatus, example = json!({"status": "ok"}))),
    security(())
)]
#[get("/health")]
pub async fn health() -> web::Json<HealthStatus> {
    web::Json(HealthStatus {
        status: "ok".into(),
    })
}

/// The database answers; 503 with `Retry-After` while it does not.
///
/// Readiness recovers by itself when the database returns: the pool reconnects on demand.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus, example = json!({"status": "ready"})),
        (status = 503, description = "The database is unreachable"),
    ),
    security(())
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<HealthStatus>, ApiError> {
    match tokio::time::timeout(Duration::from_secs(2), crate::db::ping(&state.db)).await {
        Ok(Ok(())) => Ok(web::Json(HealthStatus {
            status: "ready".into(),
        })),
        Ok(Err(e)) => Err(ApiError::Unavailable(e.to_string())),
        Err(_) => Err(ApiError::Unavailable("ping timed out".into())),
    }
}

/// Prometheus metrics (text exposition format 0.0.4).
///
/// Requests by method, route and status; a latency histogram per route; database pool use;
/// and, read from the database so every instance agrees, webhook deliveries by status (the
/// `pending` queue) and the change feed's position. Expose it only on an internal network.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Metrics", content_type = "text/plain; version=0.0.4",
        body = String,
        example = "khoi_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1\n")),
    security(())
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, metrics: web::Data<Metrics>) -> HttpResponse {
    let mut body = metrics.render(&state.db);
    state.replica.render(&mut body);
    // Shared state from the database: the same on every instance. Left out while it is down.
    let quick = std::time::Duration::from_millis(500);
    if let Ok(Ok(rows)) =
        tokio::time::timeout(quick, crate::webhooks::delivery::counts(&state.db)).await
    {
        body.push_str(
            "# HELP khoi_webhook_deliveries Webhook deliveries by status (every instance).\n",
        );
        body.push_str("# TYPE khoi_webhook_deliveries gauge\n");
        for (status, n) in rows {
            body.push_str(&format!(
                "khoi_webhook_deliveries{{status=\"{status}\"}} {n}\n"
            ));
        }
    }
    if let Ok(Ok(rows)) =
        tokio::time::timeout(quick, crate::notifications::sends::counts(&state.db)).await
    {
        body.push_str(
            "# HELP khoi_notification_sends Emails and pushes by status (every instance).\n",
        );
        body.push_str("# TYPE khoi_notification_sends gauge\n");
        for status in [
            crate::notifications::sends::PENDING,
            crate::notifications::sends::SENT,
            crate::notifications::sends::FAILED,
            crate::notifications::sends::GONE,
        ] {
            let n = rows.iter().find(|r| r.0 == status).map_or(0, |r| r.1);
            body.push_str(&format!(
                "khoi_notification_sends{{status=\"{status}\"}} {n}\n"
            ));
        }
    }
    if let Ok(Ok(p)) = tokio::time::timeout(quick, crate::position::feed(&state.db)).await {
        body.push_str(
            "# HELP khoi_change_feed_position The number of the last committed change.\n",
        );
        body.push_str("# TYPE khoi_change_feed_position gauge\n");
        body.push_str(&format!("khoi_change_feed_position {p}\n"));
    }
    body.push_str(
        "# HELP khoi_page_cache_total Kept answers (task lists, my tasks, progress) served (hit) or made (miss) by this instance.\n",
    );
    body.push_str("# TYPE khoi_page_cache_total counter\n");
    for (result, n) in [("hit", &state.pages.hits), ("miss", &state.pages.misses)] {
        let n = n.load(std::sync::atomic::Ordering::Relaxed);
        body.push_str(&format!(
            "khoi_page_cache_total{{result=\"{result}\"}} {n}\n"
        ));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// The public keys access tokens are signed with (RFC 7517), so a client such as the portal can
/// verify them itself; each token names its key in `kid`. Empty while only HS256 is configured.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The JSON Web Key Set", body = Jwks)),
    security(())
)]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.keys.jwks())
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "alg": "EdDSA", "use": "sig", "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}]}))]
pub struct Jwks {
    /// The keys, current first.
    pub keys: Vec<serde_json::Value>,
}
