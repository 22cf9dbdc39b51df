//! The OpenAPI 3.1 document: collected from the handlers' `#[utoipa::path]` annotations through
//! the same route configuration the server uses, then completed with the bearer scheme and the
//! error responses every operation can give. Built without starting a server (`khoi openapi`).
use crate::{
    error::{FieldError, PROBLEM_JSON, Problem},
    routes,
};
use actix_web::App;
use utoipa::{
    OpenApi,
    openapi::{
        self, Content, ContentBuilder, Ref, RefOr, Required, Response,
        header::Header,
        path::Operation,
        path::{ParameterBuilder, ParameterIn},
        schema::{ObjectBuilder, Schema, Type},
        security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme},
    },
};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "khoi — bloc agency API",
        description = "JSON REST API for the bloc agencies (cơ quan Khối) of Vietnam's Fatherland \
Front and socio-political organisations: plan, assign, track and report the work of the Fatherland \
Front committee and the Farmers', Women's, Youth, Veterans' and Labour organisations.\n\n\
**Sign in**: `POST /api/v1/auth/login` with `{\"username\", \"password\"}`, then press \
*Authorize* and paste the `access_token`.\n\n\
**Errors** are RFC 9457 `application/problem+json` with `type`, `title`, `status`, `detail`, \
and `errors: [{field, message}]` on validation problems. Every response carries `X-Request-Id`.",
        license(name = "MIT"),
    ),
    tags(
        (name = "auth", description = "Sign-in, token refresh and sign-out"),
        (name = "provinces", description = "Provinces as records: the 34 of 1 July 2025 with their official codes, and older ones kept for history"),
        (name = "blocs", description = "Bloc agencies (cơ quan Khối), the tenants, at province, district or commune level"),
        (name = "organisations", description = "The Fatherland Front committee (MTTQ) and the socio-political organisations of a bloc"),
        (name = "sub-committees", description = "Sub-committees (tiểu ban) and their heads"),
        (name = "staff", description = "Cadres of the bloc and their moves between sub-committees"),
        (name = "units", description = "Grassroots units the bloc serves"),
        (name = "accounts", description = "Sign-in accounts (admin; bloc head for their own bloc)"),
        (name = "directives", description = "Numbered directive documents (văn bản chỉ đạo): 292-QĐ/HU, 123/QĐ-UBND"),
        (name = "tasks", description = "Work items: one lead organisation and one responsible person each, an enforced workflow, progress reports, deadline standing, overlap detection"),
        (name = "campaigns", description = "Campaigns and movements with measurable targets, figures per grassroots unit (corrections supersede, never overwrite), registrations, and progress"),
        (name = "supervision", description = "Supervision and social criticism (giám sát – phản biện xã hội): records, findings, recommendations and the addressees' responses"),
        (name = "meetings", description = "Weekly leadership meetings, monthly reviews and their decisions; a decision can create its task"),
        (name = "unit-assignments", description = "Staff assigned to grassroots units for a purpose and a period (election monitoring, follow-up), and the units nobody covers"),
        (name = "reports", description = "Headline figures across the bloc (the portal: across its province)"),
        (name = "changes", description = "The change feed: every committed write in commit order, to stay in sync without re-reading"),
        (name = "clients", description = "API clients: service accounts for machines such as the provincial portal (admin); tokens from POST /auth/token"),
        (name = "webhooks", description = "Signed deliveries of the change feed to a receiver's URL (Standard Webhooks signatures), retried with backoff, with a delivery log (bloc head and admin)"),
        (name = "notifications", description = "A person's inbox, their channels (email, Web Push, quiet hours, daily digest), push subscriptions and calendar feed"),
        (name = "comments", description = "Discussion on tasks, recommendations, supervisions and campaigns, with @mentions; edited within 15 minutes, retracted, never deleted"),
        (name = "files", description = "Attachments: photos and scanned documents uploaded as evidence (multipart), attached to reports, figures, findings and minutes, downloaded with ranges"),
        (name = "audit", description = "Who changed what (bloc head and admin)"),
        (name = "operations", description = "Health, readiness and metrics"),
    ),
    components(schemas(Problem, FieldError))
)]
pub struct ApiDoc;

pub const BEARER: &str = "bearer_auth";

/// The complete spec, exactly what `/api-docs/openapi.json` serves.
pub fn spec() -> openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    complete(&mut api);
    api
}

pub fn spec_json() -> String {
    let mut s = spec().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

fn complete(api: &mut openapi::OpenApi) {
    api.info.version = env!("CARGO_PKG_VERSION").to_string();
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("An access token from `POST /api/v1/auth/login`."))
                .build(),
        ),
    );
    api.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);

    for (path, item) in api.paths.paths.iter_mut() {
        let has_path_params = path.contains('{');
        // First, so the 422 it adds gets the problem content like every other error.
        if let Some(post) = item.post.as_mut()
            && crate::idempotency::replays(path)
        {
            offer_idempotency(post);
        }
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            add_standard_responses(op, has_path_params);
        }
        if let Some(get) = item.get.as_mut() {
            offer_csv(get);
            offer_conditional_get(get);
        }
    }
    offer_fields(api);
    unique_operation_ids(api);
    document_codes(api);
}

/// With `fields=`, a list answers each item with `id` and the fields asked for: every `GET`
/// that takes `fields` and answers a `Page_XDto` answers it or, cut, a `Page_XFields` whose items
/// require `id` only.
fn offer_fields(api: &mut openapi::OpenApi) {
    use utoipa::openapi::schema::{AnyOf, ArrayItems, Ref, Schema};
    const PAGE: &str = "#/components/schemas/Page_";
    let components = api.components.get_or_insert_with(Default::default);
    for item in api.paths.paths.values_mut() {
        let Some(get) = item.get.as_mut() else {
            continue;
        };
        let takes_fields = get
            .parameters
            .iter()
            .flatten()
            .any(|p| matches!(p, RefOr::T(p) if p.name == "fields"));
        let Some(RefOr::T(ok)) = get.responses.responses.get_mut("200") else {
            continue;
        };
        let Some(RefOr::T(json)) = ok.content.get_mut("application/json") else {
            continue;
        };
        let whole = match &json.schema {
            Some(RefOr::Ref(r)) if takes_fields => r.ref_location.strip_prefix(PAGE),
            _ => None,
        };
        let Some(whole) = whole.map(|w| format!("Page_{w}")) else {
            continue;
        };
        let cut = format!("{}Fields", whole.trim_end_matches("Dto"));
        if let Some(RefOr::T(Schema::Object(mut page))) = components.schemas.get(&whole).cloned() {
            if let Some(RefOr::T(Schema::Array(list))) = page.properties.get_mut("items")
                && let ArrayItems::RefOrSchema(item) = &mut list.items
                && let RefOr::T(Schema::Object(one)) = item.as_mut()
            {
                one.required = vec!["id".into()];
                one.description =
                    Some("An item cut to `id` and the fields named by `fields=`.".into());
            }
            page.description =
                Some("One page of a list, each item cut to the fields asked for.".into());
            components
                .schemas
                .insert(cut.clone(), RefOr::T(Schema::Object(page)));
        }
        let mut any = AnyOf::new();
        any.items = vec![
            RefOr::Ref(Ref::from_schema_name(whole)),
            RefOr::Ref(Ref::from_schema_name(cut)),
        ];
        json.schema = Some(RefOr::T(Schema::AnyOf(any)));
    }
}

/// Every `POST` the idempotency layer replays (creates, moves, pings, password changes) takes
/// an `Idempotency-Key`; some declare it themselves.
fn offer_idempotency(op: &mut Operation) {
    // A key already used with another request is 422 on `Idempotency-Key`.
    op.responses
        .responses
        .entry("422".into())
        .or_insert_with(|| RefOr::T(Response::new(default_description(422))));
    let params = op.parameters.get_or_insert_with(Vec::new);
    if params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name == "Idempotency-Key"))
    {
        return;
    }
    params.push(RefOr::T(
        ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes retries safe: the same key and body return the first answer and \
                 change nothing again; 1–200 visible ASCII characters, kept 24 hours",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(r"^[!-~]{1,200}$")),
            ))
            .build(),
    ));
}

/// Every GET answers with an `ETag` and takes `If-None-Match` (`concurrency::conditional_get`).
fn offer_conditional_get(op: &mut Operation) {
    let params = op.parameters.get_or_insert_with(Vec::new);
    // A route that documents its own (a file's content: the tag is its SHA-256) keeps it.
    let own = params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("If-None-Match")));
    if !own {
        params.push(RefOr::T(
            ParameterBuilder::new()
                .name("If-None-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The `ETag` of an earlier answer: `304 Not Modified` with no body while it is \
                 still current (weak comparison)",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ));
    }
    if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
        ok.headers.entry("ETag".into()).or_insert_with(|| {
            RefOr::T(header(
                "The resource's version (`\"3\"`, strong, for `If-Match`) or a weak tag of the \
                 answer (`W/\"…\"`) for `If-None-Match`.",
            ))
        });
    }
    op.responses.responses.insert(
        "304".into(),
        RefOr::T(Response::new(
            "Not Modified: the `If-None-Match` tag is still current; no body",
        )),
    );
}

/// Lists (a page, the change feed, or an array) also answer `Accept: text/csv`.
fn offer_csv(op: &mut Operation) {
    let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") else {
        return;
    };
    let Some(RefOr::T(json)) = ok.content.get("application/json") else {
        return;
    };
    let is_list = match &json.schema {
        Some(RefOr::Ref(r)) => {
            let name = r.ref_location.rsplit('/').next().unwrap_or_default();
            name.starts_with("Page_") || name == "ChangePage"
        }
        Some(RefOr::T(Schema::Array(_))) => true,
        _ => false,
    };
    if !is_list {
        return;
    }
    let csv = ContentBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "With `Accept: text/csv`: UTF-8 CSV with a byte order mark, a header row of \
                     the item's fields, every page of the same filters (from `cursor`, if \
                     given), streamed.",
                )),
        ))
        .example(Some(serde_json::json!(
            "\u{feff}id,name\r\n01a21945-3cc4-77ec-a861-b9337650b012,Khối cơ quan Mặt trận và các đoàn thể xã Hải Hà\r\n"
        )))
        .build();
    ok.content.insert("text/csv".to_string(), RefOr::T(csv));
}

/// utoipa names an operation after its handler function (`list`, `history`): prefix the
/// resource (the path's first segment) to every name, and fall back to method and path if that
/// is still shared. Generators and linters need them unique; clients' method names read
/// `tasks_history`, not `history`.
fn unique_operation_ids(api: &mut openapi::OpenApi) {
    let mut ops: Vec<(String, &'static str, &mut Operation)> = Vec::new();
    for (path, item) in api.paths.paths.iter_mut() {
        for (method, op) in [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ] {
            if let Some(op) = op.as_mut() {
                ops.push((path.clone(), method, op));
            }
        }
    }
    let count = |names: &[String], n: &str| names.iter().filter(|x| *x == n).count();
    let names: Vec<String> = ops
        .iter()
        .map(|(_, _, op)| op.operation_id.clone().unwrap_or_default())
        .collect();
    let resource = |path: &str| {
        path.trim_start_matches(crate::state::API_PREFIX)
            .split('/')
            .find(|s| !s.is_empty())
            .unwrap_or("root")
            .replace(['-', '.'], "_")
    };
    // `<resource>_<verb>`: generated clients name their methods after these.
    let step1: Vec<String> = ops
        .iter()
        .zip(&names)
        .map(|((path, method, _), n)| {
            let r = resource(path);
            let r = r.trim_start_matches('_');
            let singular = r.strip_suffix('s').unwrap_or(r);
            if n == r || n == singular {
                format!("{r}_{method}")
            } else if n.starts_with(&format!("{r}_")) || n.starts_with(&format!("{singular}_")) {
                n.clone()
            } else {
                format!("{r}_{n}")
            }
        })
        .collect();
    for ((path, method, op), n) in ops.iter_mut().zip(&step1) {
        let id = if count(&step1, n) > 1 {
            let tail: Vec<String> = path
                .trim_start_matches(crate::state::API_PREFIX)
                .split('/')
                .filter(|s| !s.is_empty())
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(p) => format!("by_{p}"),
                        None => s.replace('-', "_"),
                    },
                )
                .collect();
            format!("{method}_{}", tail.join("_"))
        } else {
            n.clone()
        };
        op.operation_id = Some(id);
    }
}

fn add_standard_responses(op: &mut Operation, has_path_params: bool) {
    // `security(())` on a handler marks it public; everything else needs the bearer token.
    let authenticated = op.security.is_none();
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let has_query = op.parameters.as_ref().is_some_and(|p| {
        p.iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query))
    });
    let mut wanted: Vec<u16> = vec![500, 503];
    if authenticated {
        // 429: an API client's token is rate limited on every operation.
        wanted.extend([401, 429]);
    }
    if has_body {
        wanted.extend([400, 408, 413, 415, 422]);
    }
    if has_params {
        wanted.push(400);
    }
    if has_query {
        // Control characters and dates out of range are refused in query parameters too.
        wanted.push(422);
    }
    if has_path_params {
        wanted.push(404);
    }
    let responses = &mut op.responses.responses;
    for status in wanted {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(Response::new(default_description(status))));
    }
    for (status, response) in responses.iter_mut() {
        let Ok(code) = status.parse::<u16>() else {
            continue;
        };
        if let RefOr::T(r) = response {
            let codes = codes_of(code);
            if code >= 400 && !codes.is_empty() && !r.description.contains("Problem codes:") {
                r.description = format!("{} (Problem codes: {codes})", r.description);
            }
            if code >= 400 && r.content.is_empty() {
                r.content
                    .insert(PROBLEM_JSON.to_string(), RefOr::T(problem_content(code)));
            }
            if code >= 400 {
                add_error_headers(r, code);
            }
            r.headers.insert(
                "X-Request-Id".into(),
                RefOr::T(header(
                    "The client's X-Request-Id echoed, or a new id; logs carry it.",
                )),
            );
        }
    }
}

fn header(description: &str) -> Header {
    let mut h = Header::new(RefOr::T(openapi::Schema::Object(
        openapi::schema::Object::with_type(openapi::schema::Type::String),
    )));
    h.description = Some(description.into());
    h
}

fn add_error_headers(r: &mut Response, code: u16) {
    match code {
        401 => {
            r.headers.insert(
                "WWW-Authenticate".into(),
                RefOr::T(header(
                    "`Bearer realm=\"khoi\", error=\"invalid_token\", error_description=…`",
                )),
            );
        }
        429 | 503 => {
            r.headers.insert(
                "Retry-After".into(),
                RefOr::T(header("Seconds to wait before retrying.")),
            );
        }
        405 => {
            r.headers.insert(
                "Allow".into(),
                RefOr::T(header("The methods this path supports.")),
            );
        }
        _ => {}
    }
}

fn default_description(status: u16) -> &'static str {
    match status {
        400 => "Malformed JSON, query or path parameter",
        401 => "Missing, malformed, expired or invalid bearer token",
        403 => "The caller's role may not do this",
        404 => "No such resource (or it belongs to another bloc)",
        408 => {
            "The request body did not arrive within the configured time; the connection is closed"
        }
        409 => "Conflict with the current state",
        412 => "The If-Match version is stale",
        413 => "The request body exceeds the configured limit",
        415 => "The request body is not application/json",
        422 => "A field has an invalid value",
        429 => "Too many requests",
        500 => "Unexpected error (details only in the logs, under the request id)",
        503 => "The database is unavailable",
        _ => "Error",
    }
}

fn problem_content(status: u16) -> Content {
    use crate::error::{ApiError, FieldError};
    let mut c = Content::new(Some(Ref::from_schema_name("Problem")));
    // A real problem of the status, as the service writes it.
    let error = match status {
        400 => {
            ApiError::bad_request("the request body is not valid JSON: EOF while parsing an object")
        }
        401 => ApiError::InvalidToken("token expired".into()),
        403 => ApiError::Forbidden("the staff role may not create directives".into()),
        404 => ApiError::not_found("task"),
        405 => ApiError::MethodNotAllowed {
            allow: vec!["GET".into(), "PATCH".into()],
        },
        408 => ApiError::RequestTimeout,
        409 => ApiError::illegal_move("task", "draft", "completed", ["assign", "cancel"]),
        412 => ApiError::PreconditionFailed(
            "the resource is at version 3 (ETag \"3\"); fetch it again and retry".into(),
        ),
        413 => ApiError::PayloadTooLarge { limit: 1_048_576 },
        415 => ApiError::UnsupportedMediaType(
            "Content-Type `text/plain` is not supported; send application/json".into(),
        ),
        416 => ApiError::RangeNotSatisfiable { size: 482_113 },
        422 => ApiError::Validation(vec![FieldError::new(
            "due_on",
            "must be a date YYYY-MM-DD, e.g. 2026-03-31",
        )]),
        429 => ApiError::TooManyRequests {
            retry_after: 42,
            detail: "too many sign-in attempts for this username; try again in 42 seconds".into(),
        },
        503 => ApiError::Unavailable(String::new()),
        _ => ApiError::Internal(String::new()),
    };
    let mut example = serde_json::to_value(error.problem()).unwrap_or_default();
    crate::error::localize::to_vietnamese(&mut example);
    c.example = Some(example);
    c
}

/// The problem codes a status can carry, for its response's description.
fn codes_of(status: u16) -> String {
    let codes: Vec<String> = crate::error::catalog::TYPES
        .iter()
        .filter(|t| t.status == status)
        .map(|t| format!("`{}`", t.code))
        .collect();
    codes.join(", ")
}

/// The problem and field codes as enums with their meanings, on the schemas.
fn document_codes(api: &mut openapi::OpenApi) {
    use crate::error::catalog::{FIELD_CODES, TYPES};
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let set = |schema: Option<&mut RefOr<Schema>>, values: Vec<String>, about: String| {
        if let Some(RefOr::T(Schema::Object(o))) = schema
            && let Some(RefOr::T(Schema::Object(code))) = o.properties.get_mut("code")
        {
            code.enum_values = Some(values.into_iter().map(serde_json::Value::from).collect());
            code.description = Some(about);
        }
    };
    let about = TYPES
        .iter()
        .map(|t| {
            format!(
                "- `{}` ({}, `{}`): {} — {}",
                t.code,
                t.status,
                t.uri(),
                t.vi,
                t.about
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    set(
        components.schemas.get_mut("Problem"),
        TYPES.iter().map(|t| t.code.to_string()).collect(),
        format!(
            "The kind of problem, stable for clients to switch on; `type` is `/problems/` and \
             the code with `-` for `_`. `title` is its name in the language of \
             `Content-Language` (`vi` when `Accept-Language` prefers it, `en` otherwise).\n{about}"
        ),
    );
    let about = FIELD_CODES
        .iter()
        .map(|(c, a)| format!("- `{c}`: {a}"))
        .collect::<Vec<_>>()
        .join("\n");
    set(
        components.schemas.get_mut("FieldError"),
        FIELD_CODES.iter().map(|(c, _)| c.to_string()).collect(),
        format!("What is wrong with the field, stable for clients to switch on.\n{about}"),
    );
}
