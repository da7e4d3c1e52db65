//! Every error response is an RFC 9457 problem that validates against the `Problem` schema of
//! the OpenAPI document, with `status` the HTTP status integer (resource states go in
//! `current_status`). A sweep sends each route of the document the errors every route can
//! give (no token, wrong role, unknown or malformed id, a body of the wrong shape, bad query
//! parameters), then the state conflicts of each group that named a state.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use actix_web::test::TestRequest;
use claims_fx::{build, built, post_with, queued, ready};
use common::{Resp, TestApp};
use medbill::auth::roles::Role;
use serde_json::{json, Value};

/// Checks `v` against an OpenAPI schema (the subset the document uses for problems).
fn check(v: &Value, schema: &Value, spec: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return check(v, &spec["components"]["schemas"][name], spec, at);
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        return all.iter().try_for_each(|s| check(v, s, spec, at));
    }
    let ok = match schema.get("type").and_then(Value::as_str) {
        Some("object") => v.is_object(),
        Some("array") => v.is_array(),
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("boolean") => v.is_boolean(),
        _ => true,
    };
    if !ok {
        return Err(format!("{at}: {v} is not {}", schema["type"]));
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        if v.as_f64().is_some_and(|n| n < min) {
            return Err(format!("{at}: {v} is below {min}"));
        }
    }
    for req in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = req.as_str().unwrap();
        if v.get(key).is_none() {
            return Err(format!("{at}: `{key}` is missing"));
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, s) in props {
            if let Some(x) = v.get(k) {
                check(x, s, spec, &format!("{at}/{k}"))?;
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            check(x, items, spec, &format!("{at}/{i}"))?;
        }
    }
    Ok(())
}

/// Asserts `r` (an error) is a problem document valid against the `Problem` schema.
fn assert_problem(spec: &Value, what: &str, r: &Resp) {
    assert!(
        r.status >= 400,
        "{what}: expected an error, got {}",
        r.status
    );
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/problem+json")),
        "{what}: {} is not problem+json: {:?}",
        r.status,
        r.header("content-type")
    );
    let schema = json!({"$ref": "#/components/schemas/Problem"});
    if let Err(e) = check(&r.body, &schema, spec, "") {
        panic!("{what}: {e} in {}", r.body);
    }
    assert_eq!(r.body["status"], r.status, "{what}: {}", r.body);
}

fn request(method: &str, path: &str) -> TestRequest {
    match method {
        "post" => TestRequest::post(),
        "patch" => TestRequest::patch(),
        "put" => TestRequest::put(),
        "delete" => TestRequest::delete(),
        _ => TestRequest::get(),
    }
    .uri(path)
}

const UNKNOWN: &str = "00000000-0000-7000-8000-000000000000";

async fn every_route_answers_problems(app: TestApp) {
    let spec: Value = serde_json::from_str(&medbill::openapi::spec_json()).unwrap();
    let mut errors = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/v1/") || path == "/v1/auth/token" {
            continue;
        }
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .split('/')
                .map(|s| if s.starts_with('{') { UNKNOWN } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let malformed = path
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        "not%20an%20id"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let bearer = |role: Role| ("authorization", format!("Bearer {}", app.token(role)));
            let with_body = matches!(method.as_str(), "post" | "patch" | "put");
            let mut tries: Vec<(String, TestRequest)> = vec![
                ("no token".into(), request(method, &concrete)),
                (
                    "unknown id".into(),
                    request(method, &concrete)
                        .insert_header(bearer(Role::Admin))
                        .insert_header(("if-match", "\"1\""))
                        .set_json(json!({})),
                ),
                (
                    "as lab".into(),
                    request(method, &concrete).insert_header(bearer(Role::Lab)),
                ),
            ];
            if path.contains('{') {
                tries.push((
                    "malformed id".into(),
                    request(method, &malformed).insert_header(bearer(Role::Admin)),
                ));
            }
            if method == "get" {
                tries.push((
                    "bad query".into(),
                    request(method, &format!("{concrete}?limit=0&bogus=1"))
                        .insert_header(bearer(Role::Admin)),
                ));
            }
            if with_body {
                tries.push((
                    "wrong body".into(),
                    request(method, &concrete)
                        .insert_header(bearer(Role::Admin))
                        .insert_header(("if-match", "\"1\""))
                        .set_json(json!({"bogus": [1, 2]})),
                ));
                tries.push((
                    "not json".into(),
                    request(method, &concrete)
                        .insert_header(bearer(Role::Admin))
                        .insert_header(("content-type", "application/json"))
                        .set_payload("{"),
                ));
            }
            for (what, req) in tries {
                let r = app.send(req).await;
                if r.status >= 400 {
                    assert_problem(
                        &spec,
                        &format!("{} {path} ({what})", method.to_uppercase()),
                        &r,
                    );
                    errors += 1;
                }
            }
        }
    }
    assert!(errors > 120, "only {errors} error responses were checked");

    // The state conflicts, group by group: each names the state in `current_status`.
    let (fx, enc) = ready(&app, "P1").await;
    let claim = built(&app, &enc).await;
    queued(&app, &claim).await;
    let mut conflicts = vec![
        (
            "claim queued twice",
            post_with(
                &app,
                &format!("/v1/claims/{claim}/queue"),
                Role::Billing,
                None,
                &[],
            )
            .await,
            "queued",
        ),
        (
            "billed encounter billed again",
            build(&app, &enc).await,
            "billed",
        ),
        (
            "billed encounter edited",
            app.patch(
                &format!("/v1/encounters/{enc}"),
                Role::Billing,
                &json!({"notes": "x"}),
                Some("\"3\""),
            )
            .await,
            "billed",
        ),
        (
            "billed encounter held",
            post_with(
                &app,
                &format!("/v1/encounters/{enc}/hold"),
                Role::Billing,
                Some(&json!({"reason": "x"})),
                &[("if-match", "\"3\"")],
            )
            .await,
            "billed",
        ),
    ];
    let open = common::fixtures::id_of(
        &app.post(
            "/v1/encounters",
            Role::Billing,
            &common::fixtures::coded(&fx),
        )
        .await,
    );
    conflicts.push((
        "open encounter reopened",
        post_with(
            &app,
            &format!("/v1/encounters/{open}/reopen"),
            Role::Billing,
            Some(&json!({"reason": "x"})),
            &[("if-match", "\"1\"")],
        )
        .await,
        "open",
    ));
    conflicts.push(("open encounter billed", build(&app, &open).await, "open"));
    for (what, r, state) in &conflicts {
        assert_eq!(r.status, 409, "{what}: {}", r.body);
        assert_problem(&spec, what, r);
        assert_eq!(r.body["current_status"], *state, "{what}: {}", r.body);
    }
}

on_both_backends!(every_route_answers_problems);
