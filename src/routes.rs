//! Every route of the service, registered once for both the server and the spec, and the
//! fallback that turns an unknown path into 404 and a known path with the wrong method into 405.
use crate::{
    accounts, audit, blocs, campaigns, changes, clients, directives, dispatches, error::ApiError,
    health, meetings, organisations, reports, staff, sub_committees, supervisions, tasks,
    unit_assignments, units, webhooks,
};
use actix_web::{HttpRequest, HttpResponse};
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::state::API_PREFIX;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(scope::scope(API_PREFIX).configure(|c| {
        // actix tries routes in order, matching each one with a path parameter by regex: the
        // inbox, which every phone polls, comes first, then the tasks, the busiest reads (their
        // paths share no pattern with the routes they now precede).
        crate::notifications::configure(c);
        tasks::configure(c);
        crate::sessions::configure(c);
        crate::provinces::configure(c);
        blocs::configure(c);
        organisations::configure(c);
        sub_committees::configure(c);
        units::configure(c);
        staff::configure(c);
        directives::configure(c);
        dispatches::configure(c);
        campaigns::configure(c);
        supervisions::configure(c);
        meetings::configure(c);
        unit_assignments::configure(c);
        accounts::configure(c);
        audit::configure(c);
        changes::configure(c);
        reports::configure(c);
        clients::configure(c);
        webhooks::configure(c);
        crate::imports::configure(c);
        crate::comments::configure(c);
        crate::files::configure(c);
    }))
    .service(health::health)
    .service(health::ready)
    .service(health::metrics)
    .service(health::jwks);
}

/// The documented paths and their methods, read from the spec: actix registers each
/// method as its own resource, so on its own it cannot tell a wrong method from a wrong path.
#[derive(Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    pub fn from_spec(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                for (name, op) in [
                    ("GET", &item.get),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                ] {
                    if op.is_some() {
                        methods.push(name.to_string());
                    }
                }
                (segments(path), methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods allowed on `path`, or `None` when no documented route matches it.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let actual = segments(path);
        let mut allowed: Vec<String> = Vec::new();
        let mut found = false;
        for (pattern, methods) in &self.routes {
            if pattern.len() == actual.len()
                && pattern
                    .iter()
                    .zip(&actual)
                    .all(|(p, a)| (p.starts_with('{') && !a.is_empty()) || p == a)
            {
                found = true;
                for m in methods {
                    if !allowed.contains(m) {
                        allowed.push(m.clone());
                    }
                }
            }
        }
        found.then_some(allowed)
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_string)
        .collect()
}

/// The default service: 405 with `Allow` for a known path, 404 otherwise; both problem+json.
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let table = req.app_data::<RouteTable>();
    Err(match table.and_then(|t| t.allowed(req.path())) {
        Some(allow) if !allow.iter().any(|m| m == req.method().as_str()) => {
            ApiError::MethodNotAllowed { allow }
        }
        _ => ApiError::NotFound(format!("no resource at {}", req.path())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_wrong_method_from_wrong_path() {
        let t = RouteTable {
            routes: vec![
                (
                    segments("/api/v1/tasks/{id}"),
                    vec!["GET".into(), "PATCH".into()],
                ),
                (segments("/api/v1/tasks"), vec!["GET".into(), "POST".into()]),
            ],
        };
        assert_eq!(
            t.allowed("/api/v1/tasks/abc"),
            Some(vec!["GET".into(), "PATCH".into()])
        );
        assert_eq!(
            t.allowed("/api/v1/tasks/"),
            Some(vec!["GET".into(), "POST".into()])
        );
        assert_eq!(t.allowed("/api/v1/tasks/abc/x"), None);
        assert_eq!(t.allowed("/nope"), None);
    }
}
