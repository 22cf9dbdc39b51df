//! The committed spec is what the code generates, and what the server serves.
use crate::helpers::spawn_app;
use serde_json::Value;

fn committed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn committed_spec_matches_the_code() {
    let generated = khoi::openapi::spec_json();
    if committed() != generated {
        panic!(
            "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
        );
    }
}

#[tokio::test]
async fn served_spec_is_the_generated_one() {
    let app = spawn_app().await;
    let res = app.get("/api-docs/openapi.json", None).await;
    assert_eq!(res.status(), 200);
    // 1.2 MB handed to the connection in slices (`middleware::SLICE`): still announced by its
    // length, not chunked, and whole.
    let length = res.headers()["content-length"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(res.headers().get("transfer-encoding").is_none());
    let body = res.bytes().await.unwrap();
    assert_eq!(length, body.len().to_string());
    assert!(body.len() > 100 * khoi::middleware::SLICE);
    let served: Value = serde_json::from_slice(&body).unwrap();
    let generated: Value = serde_json::from_str(&khoi::openapi::spec_json()).unwrap();
    assert_eq!(served, generated);
}

#[tokio::test]
async fn the_spec_is_served_gzipped_to_who_accepts_it_and_whole_to_the_rest() {
    let app = spawn_app().await;
    let generated: Value = serde_json::from_str(&khoi::openapi::spec_json()).unwrap();
    let fetch = |coding: &'static str| {
        app.client
            .get(app.url("/api-docs/openapi.json"))
            .header("accept-encoding", coding)
            .send()
    };
    for coding in ["gzip", "br;q=1.0, GZIP;q=0.5", "*", "identity;q=0, *;q=0.1"] {
        let res = fetch(coding).await.unwrap();
        assert_eq!(res.status(), 200, "{coding}");
        assert_eq!(res.headers()["content-encoding"], "gzip", "{coding}");
        assert!(
            res.headers()["vary"]
                .to_str()
                .unwrap()
                .contains("accept-encoding")
        );
        let gz = res.bytes().await.unwrap();
        assert!(gz.len() < 400_000, "{coding}: {} bytes", gz.len());
        let mut json = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut json).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&json).unwrap(), generated);
    }
    // Refused gzip: unpacked for this client (or coded as it asks, by the compression layer).
    for coding in [
        "identity",
        "gzip;q=0",
        "gzip;q=0, *",
        "gzip; q=0.0, identity",
    ] {
        let res = fetch(coding).await.unwrap();
        assert_eq!(res.status(), 200, "{coding}");
        assert!(res.headers().get("content-encoding").is_none(), "{coding}");
        let served: Value = res.json().await.unwrap();
        assert_eq!(served, generated, "{coding}");
    }
}

#[test]
fn spec_is_openapi_3_1_with_bearer_auth_and_documented_errors() {
    let spec: Value = serde_json::from_str(&khoi::openapi::spec_json()).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer_auth"]["scheme"],
        "bearer"
    );
    let paths = spec["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/health",
        "/ready",
        "/metrics",
    ] {
        assert!(paths.contains_key(p), "{p} missing from the spec");
    }
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{method} {path}: no success response"
            );
            assert!(responses.contains_key("500"), "{method} {path}: no 500");
            let public = op
                .get("security")
                .is_some_and(|s| s == &serde_json::json!([{}]));
            if !public {
                assert!(responses.contains_key("401"), "{method} {path}: no 401");
            }
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let c = &r["content"]["application/problem+json"];
                    assert!(
                        c["example"].is_object(),
                        "{method} {path} {status}: no problem example"
                    );
                }
            }
            for (status, r) in responses {
                if let Some(c) = r["content"]["application/json"].as_object() {
                    let has = c.contains_key("example")
                        || c.contains_key("examples")
                        || schema_has_examples(&spec, &c["schema"]);
                    assert!(has, "{method} {path} {status}: response without example");
                }
            }
            // OpenAPI: a parameter is unique by name and location (generators refuse a repeat).
            let mut seen = std::collections::HashSet::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let key = (
                    p["name"].as_str().unwrap().to_ascii_lowercase(),
                    p["in"].as_str().unwrap().to_string(),
                );
                assert!(
                    seen.insert(key),
                    "{method} {path}: parameter {} twice",
                    p["name"]
                );
            }
            if op.get("requestBody").is_some() {
                for s in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(s), "{method} {path}: no {s}");
                }
                // A JSON body, or a file (an import) in a type that can show one.
                let documented = |content: &Value| {
                    content.get("example").is_some()
                        || content.get("examples").is_some()
                        || schema_has_examples(&spec, &content["schema"])
                };
                let body = &op["requestBody"]["content"];
                assert!(
                    if body["application/json"].is_object() {
                        documented(&body["application/json"])
                    } else {
                        body.as_object().unwrap().values().any(documented)
                    },
                    "{method} {path}: request body without example"
                );
            }
        }
    }
}

/// A schema documents its example values when each property has one, is an enum, or refers to
/// a schema that does (recursively).
fn schema_has_examples(spec: &Value, schema: &Value) -> bool {
    if schema.get("example").is_some()
        || schema.get("examples").is_some()
        || schema.get("enum").is_some()
    {
        return true;
    }
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return schema_has_examples(spec, &spec["components"]["schemas"][name]);
    }
    if let Some(items) = schema.get("items") {
        return schema_has_examples(spec, items);
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema[combinator].as_array() {
            return variants
                .iter()
                .filter(|v| v["type"] != "null")
                .all(|v| schema_has_examples(spec, v));
        }
    }
    match schema["properties"].as_object() {
        Some(props) => props.values().all(|v| schema_has_examples(spec, v)),
        None => false,
    }
}
