//! The OpenAPI document: served at /openapi.json, browsable offline at /docs/, and pinned by a
//! snapshot (docs/openapi.json) so a change to the API cannot go unnoticed. After an intended
//! change run `UPDATE_OPENAPI=1 cargo test --test it openapi::` and commit the new snapshot.
#![allow(clippy::unwrap_used)]

use crate::common;

use actix_web::test::TestRequest;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

#[test]
fn spec_matches_the_committed_snapshot() {
    let spec = medbill::openapi::spec_json();
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(SNAPSHOT, format!("{spec}\n")).unwrap();
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        committed.trim_end() == spec.trim_end(),
        "the OpenAPI spec changed; review it and run UPDATE_OPENAPI=1 cargo test --test it openapi::"
    );
}

#[actix_web::test]
async fn spec_and_docs_are_served() {
    let app = common::TestApp::sqlite();
    let r = app.send(TestRequest::get().uri("/openapi.json")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["info"]["title"], "medbill");
    assert!(r.body["paths"]["/v1/patients"]["post"].is_object());
    let docs = app.send(TestRequest::get().uri("/docs/")).await;
    assert_eq!(docs.status, 200);
    let html = String::from_utf8_lossy(&docs.raw);
    assert!(
        html.contains("swagger-ui"),
        "docs page is the bundled Swagger UI"
    );
    // Offline: the page loads its scripts from this server, not a CDN.
    assert!(
        !html.contains("https://"),
        "docs page must not load from the internet"
    );
}

#[actix_web::test]
async fn a_documented_path_answers_other_methods_with_405_and_allow() {
    let app = common::TestApp::sqlite();
    let put = app.send(TestRequest::put().uri("/v1/patients")).await;
    assert_eq!(put.status, 405);
    assert_eq!(put.header("allow").as_deref(), Some("GET, POST"));
    assert_eq!(
        put.body["type"],
        "https://medbill.dev/problems/method-not-allowed"
    );
    let trace = app
        .send(
            TestRequest::default()
                .method(actix_web::http::Method::TRACE)
                .uri("/v1/patients/0192a4c2-0000-7000-8000-000000000000"),
        )
        .await;
    assert_eq!(trace.status, 405);
    assert_eq!(trace.header("allow").as_deref(), Some("GET, PATCH, DELETE"));
    // A literal segment wins over a parameter, as in routing.
    let post = app
        .send(TestRequest::post().uri("/v1/specimens/by-accession/2600000018"))
        .await;
    assert_eq!(post.header("allow").as_deref(), Some("GET"));
    let unknown = app.send(TestRequest::get().uri("/v1/nothing-here")).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.header("allow"), None);
}

#[actix_web::test]
async fn creates_link_to_the_created_resource() {
    let app = common::TestApp::sqlite();
    let r = app.send(TestRequest::get().uri("/openapi.json")).await;
    let links = &r.body["paths"]["/v1/providers"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["update_provider"]["operationId"], "update_provider");
    assert_eq!(
        links["update_provider"]["parameters"]["header.If-Match"],
        "$response.header.ETag"
    );
}

/// Every documented operation reaches its handler (routes are grouped in areas by path prefix,
/// `http::area`): none is answered by the no-route fallback (405, or 404 "there is no route").
/// Without a token a handler answers 401 (or its own answer for the open routes).
#[actix_web::test]
async fn every_documented_operation_reaches_a_handler() {
    let app = common::TestApp::sqlite();
    let spec: serde_json::Value = serde_json::from_str(&medbill::openapi::spec_json()).unwrap();
    let mut checked = 0;
    for (template, item) in spec["paths"].as_object().unwrap() {
        // Parameters get a value of their usual shape; a route's own 400/404 still proves it
        // was reached.
        let path = template
            .split('/')
            .map(|seg| match seg {
                s if s.starts_with('{') && s.ends_with("}.pdf") => {
                    "0192a4c2-0000-7000-8000-000000000000.pdf".to_string()
                }
                s if s.starts_with('{') => "0192a4c2-0000-7000-8000-000000000000".to_string(),
                s => s.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let m = actix_web::http::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app.send(TestRequest::default().method(m).uri(&path)).await;
            let detail = r.body["detail"].as_str().unwrap_or_default().to_string();
            assert!(
                r.status != 405 && !(r.status == 404 && detail.starts_with("there is no route")),
                "{method} {template} ({path}) was not routed: {} {detail}",
                r.status
            );
            checked += 1;
        }
    }
    assert!(checked > 80, "only {checked} operations checked");
    // Near misses of an area's prefix are still unknown paths, and a path an area claims but
    // none of its routes match still answers 404 or 405 as before.
    for uri in ["/v1/claimsx", "/v1/patients/", "/v1/codesets/a/b/c/d"] {
        let r = app.send(TestRequest::get().uri(uri)).await;
        assert_eq!(r.status, 404, "{uri}");
    }
    let r = app
        .send(TestRequest::delete().uri("/v1/codesets/validate"))
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow").as_deref(), Some("POST"));
}

/// The properties of the schema a `$ref` names in `doc`.
fn properties<'a>(doc: &'a serde_json::Value, reference: &serde_json::Value) -> Vec<&'a str> {
    let name = reference.as_str().unwrap().rsplit('/').next().unwrap();
    doc["components"]["schemas"][name]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

/// Two Rust types of one name (a claim's EOB payment and a patient's payment) each get their
/// own schema: utoipa keys schemas by name, and the later one used to replace the other, so the
/// document described a patient payment for `POST /v1/claims/{id}/payments` (every request
/// built from it got 422) and the patient's outcome for each payment of an 835 import.
#[actix_web::test]
async fn types_of_one_name_keep_their_own_schemas() {
    let app = common::TestApp::sqlite();
    let doc = app.send(TestRequest::get().uri("/openapi.json")).await.body;
    let body = |path: &str| {
        doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .clone()
    };
    let claim = properties(&doc, &body("/v1/claims/{id}/payments"));
    assert!(
        claim.contains(&"payment_ref") && !claim.contains(&"method"),
        "{claim:?}"
    );
    let patient = properties(&doc, &body("/v1/patients/{id}/payments"));
    assert!(
        patient.contains(&"method") && !patient.contains(&"payment_ref"),
        "{patient:?}"
    );
    let import = &doc["paths"]["/v1/remittances"]["post"]["responses"]["200"]["content"]
        ["application/json"]["schema"]["$ref"];
    let name = import.as_str().unwrap().rsplit('/').next().unwrap();
    let each = &doc["components"]["schemas"][name]["properties"]["payments"]["items"]["$ref"];
    let each = properties(&doc, each);
    assert!(each.contains(&"trace_number"), "{each:?}");
    let outcome = &doc["paths"]["/v1/patients/{id}/payments"]["post"]["responses"]["201"]
        ["content"]["application/json"]["schema"]["$ref"];
    assert!(properties(&doc, outcome).contains(&"unapplied_cents"));
}
