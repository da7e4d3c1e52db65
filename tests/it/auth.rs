//! The token endpoint and token checks: password and client-credentials grants (form and
//! JSON), and 401/403 for every kind of bad or insufficient token.
#![allow(clippy::unwrap_used)]

use crate::common;

use actix_web::test::TestRequest;
use base64::Engine;
use common::TestApp;
use jsonwebtoken::{encode, EncodingKey, Header};
use medbill::auth::accounts::{add_service_account, add_user, disable_user};
use medbill::auth::roles::Role;
use serde_json::json;

fn token_form(body: &str) -> TestRequest {
    TestRequest::post()
        .uri("/v1/auth/token")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body.to_string())
}

async fn password_grant_form_and_json(app: TestApp) {
    add_user(
        &mut app.conn(),
        "bella",
        "a long enough password",
        Role::Billing,
    )
    .unwrap();
    let r = app
        .send(token_form(
            "grant_type=password&username=bella&password=a+long+enough+password",
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 900);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let token = r.body["access_token"].as_str().unwrap().to_string();
    // The token works: billing may read patients but not the audit log.
    let ok = app
        .send(
            TestRequest::get()
                .uri("/v1/patients")
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
        .await;
    assert_eq!(ok.status, 200);
    let no = app
        .send(
            TestRequest::get()
                .uri("/v1/audit")
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
        .await;
    assert_eq!(no.status, 403);

    let r = app
        .send(TestRequest::post().uri("/v1/auth/token").set_json(json!({"grant_type": "password", "username": "bella", "password": "a long enough password"})))
        .await;
    assert_eq!(r.status, 200);

    let bad = app
        .send(token_form(
            "grant_type=password&username=bella&password=wrong",
        ))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"], "invalid_grant");
    let unknown = app
        .send(token_form(
            "grant_type=password&username=nobody&password=whatever-it-is",
        ))
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body["error"], "invalid_grant");
    let grant = app.send(token_form("grant_type=implicit")).await;
    assert_eq!(grant.body["error"], "unsupported_grant_type");

    disable_user(&mut app.conn(), "bella").unwrap();
    let disabled = app
        .send(token_form(
            "grant_type=password&username=bella&password=a+long+enough+password",
        ))
        .await;
    assert_eq!(disabled.status, 400);
}
on_both_backends!(password_grant_form_and_json);

async fn client_credentials_in_body_and_basic(app: TestApp) {
    let svc = add_service_account(&mut app.conn(), "scheduling system", Role::FrontDesk).unwrap();
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        svc.client_id, svc.client_secret
    );
    let r = app.send(token_form(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", svc.client_id, svc.client_secret));
    let r = app
        .send(
            token_form("grant_type=client_credentials")
                .insert_header(("authorization", format!("Basic {basic}"))),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.body["access_token"].as_str().unwrap();
    let created = app
        .send(
            TestRequest::post()
                .uri("/v1/patients")
                .insert_header(("authorization", format!("Bearer {token}")))
                .set_json(common::patient_body("SVC-1")),
        )
        .await;
    assert_eq!(created.status, 201);

    let wrong = app
        .send(token_form(&format!(
            "grant_type=client_credentials&client_id={}&client_secret=nope",
            svc.client_id
        )))
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body["error"], "invalid_client");
}
on_both_backends!(client_credentials_in_body_and_basic);

async fn bad_tokens_get_401(app: TestApp) {
    let now = chrono::Utc::now().timestamp();
    let sign = |claims: serde_json::Value, key: &[u8]| {
        encode(&Header::default(), &claims, &EncodingKey::from_secret(key)).unwrap()
    };
    let claims = |role: &str, exp: i64| json!({"sub": "1", "role": role, "kind": "user", "iat": now, "exp": exp, "iss": "medbill"});
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let alg_none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(claims("admin", now + 600))
    );
    let cases = [
        ("no header", None),
        ("alg none", Some(alg_none)),
        (
            "bad signature",
            Some(sign(
                claims("admin", now + 600),
                b"another-secret-another-secret-xyz",
            )),
        ),
        (
            "unknown role",
            Some(sign(claims("root", now + 600), common::SECRET)),
        ),
        (
            "expired",
            Some(sign(claims("admin", now - 3600), common::SECRET)),
        ),
        ("garbage", Some("not.a.token".to_string())),
    ];
    for (what, token) in cases {
        let mut req = TestRequest::get().uri("/v1/patients");
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        let r = app.send(req).await;
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{what}"
        );
        assert!(r.header("www-authenticate").is_some(), "{what}");
    }
    // Well signed, but for no stored user: refused since tokens are checked against the user.
    let unknown = sign(claims("lab", now + 600), common::SECRET);
    let r = app
        .send(
            TestRequest::get()
                .uri("/v1/patients")
                .insert_header(("authorization", format!("Bearer {unknown}"))),
        )
        .await;
    assert_eq!(r.status, 401);
    let good = app.token(Role::Lab);
    let r = app
        .send(
            TestRequest::get()
                .uri("/v1/patients")
                .insert_header(("authorization", format!("Bearer {good}"))),
        )
        .await;
    assert_eq!(r.status, 200);
}
on_both_backends!(bad_tokens_get_401);

async fn roles_are_enforced(app: TestApp) {
    let body = common::patient_body("R1");
    assert_eq!(app.post("/v1/patients", Role::Lab, &body).await.status, 403);
    assert_eq!(app.count("patients"), 0);
    assert_eq!(app.get("/v1/audit", Role::Billing).await.status, 403);
    assert_eq!(
        app.get("/v1/audit/verify", Role::FrontDesk).await.status,
        403
    );
    assert_eq!(app.get("/v1/audit", Role::Admin).await.status, 200);
}
on_both_backends!(roles_are_enforced);
