//! Claims over HTTP: built from a signed-off encounter (snapshot, CLM01, encounter billed),
//! refused for open encounters and scrubber errors, the lifecycle with its 409s and history,
//! replacement and void carrying the payer's claim number, lists, roles and the 837P preview.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use actix_web::test::TestRequest;
use claims_fx::{build, built, post_with, queued, ready, sql};
use common::fixtures::{coded, fixture, id_of, visit};
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::json;

async fn build_from_signed_off(app: TestApp) {
    let (fx, enc) = ready(&app, "C1").await;
    let token = app.token(Role::Billing);
    let keyed = || {
        TestRequest::post()
            .uri(&format!("/v1/encounters/{enc}/claims"))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("idempotency-key", "k1"))
            .set_json(json!({}))
    };
    let r = app.send(keyed()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.header("location").unwrap(), format!("/v1/claims/{id}"));
    let c = &r.body;
    assert_eq!(c["status"], "validated");
    assert_eq!(c["frequency"], "1");
    assert_eq!(c["allowed_next"], json!(["queued"]));
    assert_eq!(c["payer_id"], fx.payer.as_str());
    assert_eq!(c["coverage_id"], fx.coverage.as_str());
    let pcn = c["patient_control_number"].as_str().unwrap();
    assert!(!pcn.is_empty() && pcn.len() <= 20, "{pcn}");
    assert_eq!(c["total_charge_cents"], 12500);
    let s = &c["snapshot"];
    assert_eq!(s["diagnoses"], json!(["I10"]));
    assert_eq!(s["lines"][0]["code"], "99213");
    assert_eq!(s["patient"]["last_name"], "Lee");
    assert_eq!(s["subscriber"]["member_id"], "W123");
    assert_eq!(s["payer"]["edi_payer_id"], "60054");
    assert_eq!(s["billing_provider"]["npi"], common::fixtures::NPI_B);
    assert_eq!(c["history"].as_array().unwrap().len(), 1);
    assert_eq!(c["history"][0]["to_status"], "validated");
    assert!(c["history"][0]["from_status"].is_null());

    // A retry with the same key answers the same claim; the encounter is billed now.
    let again = app.send(keyed()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body["id"], id.as_str());
    assert_eq!(app.count("claims"), 1);
    let e = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await;
    assert_eq!(e.body["status"], "billed");
    let r = build(&app, &enc).await;
    assert_eq!(r.status, 409, "{}", r.body);

    let r = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    assert_eq!(r.body["patient_control_number"], pcn);
    let reads = app.count(&format!(
        "audit_log WHERE resource_type = 'claim' AND action = 'read' AND resource_id = '{id}'"
    ));
    assert!(reads >= 1);

    let r = app
        .get(&format!("/v1/claims/{id}/837"), Role::Billing)
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let text = String::from_utf8(r.raw).unwrap();
    assert!(text.starts_with("ISA*"), "{text}");
    assert!(text.contains(&format!("CLM*{pcn}*125*")), "{text}");
    assert!(text.contains("HI*ABK:I10"), "{text}");
    assert!(text.contains("SV1*HC:99213*125*UN*1"), "{text}");
}

async fn refuses_what_cannot_be_billed(app: TestApp) {
    let fx = fixture(&app, "C2").await;
    claims_fx::address_billing(&app, &fx).await;
    let open = id_of(&app.post("/v1/encounters", Role::Billing, &coded(&fx)).await);
    let r = build(&app, &open).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["status"], 409);
    assert_eq!(r.body["current_status"], "open");
    let r = build(&app, "00000000-0000-7000-8000-000000000000").await;
    assert_eq!(r.status, 404);

    // Signed off, then the payer's timely filing limit shrinks: the scrubber runs again and
    // its error blocks the claim; nothing is stored and the encounter stays coded.
    let enc = claims_fx::signed_off(&app, &coded(&fx)).await;
    let r = app
        .patch(
            &format!("/v1/payers/{}", fx.payer),
            Role::Billing,
            &json!({"timely_filing_days": 1}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = build(&app, &enc).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.body["type"],
        "https://medbill.dev/problems/blocking-findings"
    );
    assert!(!r.body["findings"].as_array().unwrap().is_empty());
    assert_eq!(app.count("claims"), 0);
    assert_eq!(app.count("claim_events"), 0);
    let e = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await;
    assert_eq!(e.body["status"], "coded");

    // A billing provider without an address cannot be written as an 837P: 422, nothing kept.
    let r = app
        .patch(
            &format!("/v1/payers/{}", fx.payer),
            Role::Billing,
            &json!({"timely_filing_days": 365}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .patch(
            &format!("/v1/providers/{}", fx.billing),
            Role::Billing,
            &json!({"address_line1": null, "city": null, "state": null, "postal_code": null}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let enc = claims_fx::signed_off(&app, &visit_coded(&fx)).await;
    let r = build(&app, &enc).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body["errors"][0]["pointer"]
        .as_str()
        .unwrap()
        .starts_with("/snapshot/billing_provider"));
    assert_eq!(app.count("claims"), 0);
}

fn visit_coded(fx: &common::fixtures::Fx) -> serde_json::Value {
    let mut b = visit(fx);
    b["diagnoses"] = json!(["E11.9"]);
    b["lines"] = json!([{"code": "99214", "charge_cents": 20000, "diagnosis_pointers": [1]}]);
    b
}

async fn lifecycle_and_history(app: TestApp) {
    let (_, enc) = ready(&app, "C4").await;
    let id = built(&app, &enc).await;
    let path = format!("/v1/claims/{id}");
    let r = post_with(
        &app,
        &format!("{path}/queue"),
        Role::Billing,
        None,
        &[("if-match", "\"7\"")],
    )
    .await;
    assert_eq!(r.status, 412);
    queued(&app, &id).await;
    assert_eq!(app.count("submission_jobs WHERE status = 'pending'"), 1);
    let r = post_with(&app, &format!("{path}/queue"), Role::Billing, None, &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["status"], 409);
    assert_eq!(r.body["current_status"], "queued");
    assert_eq!(r.body["allowed_next"], json!(["submitted"]));
    let r = post_with(
        &app,
        &format!("{path}/replace"),
        Role::Billing,
        Some(&json!({"payer_claim_number": "X1"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = app.get(&path, Role::Billing).await;
    assert_eq!(r.body["status"], "queued");
    assert_eq!(r.body["version"], 2);
    let h = r.body["history"].as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1]["from_status"], "validated");
    assert_eq!(h[1]["to_status"], "queued");
    assert!(h[1]["actor"].as_str().unwrap().starts_with("user:"));
    assert!(h[1]["at"].is_string());
    assert_eq!(app.count("submission_jobs"), 1);
}

async fn replace_and_void(app: TestApp) {
    let (fx, enc) = ready(&app, "C5").await;
    let id = built(&app, &enc).await;
    queued(&app, &id).await;
    // As if the worker sent it and a 277CA accepted it with the payer's number.
    sql(
        &app,
        &format!(
            "UPDATE claims SET status = 'accepted', payer_claim_number = 'PAYER123' WHERE id = '{id}'"
        ),
    );
    let r = post_with(
        &app,
        &format!("/v1/claims/{id}/replace"),
        Role::Billing,
        Some(&json!({"reason": "wrong units"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let rep = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["frequency"], "7");
    assert_eq!(r.body["payer_claim_number"], "PAYER123");
    assert_eq!(r.body["replaces_claim_id"], id.as_str());
    assert_eq!(r.body["status"], "validated");
    assert_ne!(r.body["patient_control_number"], json!(null));
    let text = String::from_utf8(
        app.get(&format!("/v1/claims/{rep}/837"), Role::Billing)
            .await
            .raw,
    )
    .unwrap();
    assert!(text.contains(":7*"), "{text}");
    assert!(text.contains("REF*F8*PAYER123"), "{text}");
    let r = post_with(
        &app,
        &format!("/v1/claims/{id}/replace"),
        Role::Billing,
        Some(&json!({})),
        &[],
    )
    .await;
    assert_eq!(r.status, 409, "only one replacement");
    let orig = app.get(&format!("/v1/claims/{id}"), Role::Billing).await;
    let last = orig.body["history"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert!(last["reason"].as_str().unwrap().contains(&rep));

    // A second claim, accepted without a payer number: void needs one in the body.
    let enc2 = claims_fx::signed_off(&app, &claims_fx::another_visit(&fx)).await;
    let id2 = built(&app, &enc2).await;
    let r = post_with(
        &app,
        &format!("/v1/claims/{id2}/void"),
        Role::Billing,
        Some(&json!({})),
        &[],
    )
    .await;
    assert_eq!(
        r.status, 409,
        "a validated claim cannot be voided: {}",
        r.body
    );
    sql(
        &app,
        &format!("UPDATE claims SET status = 'accepted' WHERE id = '{id2}'"),
    );
    let r = post_with(
        &app,
        &format!("/v1/claims/{id2}/void"),
        Role::Billing,
        Some(&json!({})),
        &[],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["pointer"], "/payer_claim_number");
    let r = post_with(
        &app,
        &format!("/v1/claims/{id2}/void"),
        Role::Billing,
        Some(&json!({"payer_claim_number": "PAYER999"})),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["frequency"], "8");
    assert_eq!(r.body["payer_claim_number"], "PAYER999");
    let vid = r.body["id"].as_str().unwrap().to_string();
    let text = String::from_utf8(
        app.get(&format!("/v1/claims/{vid}/837"), Role::Billing)
            .await
            .raw,
    )
    .unwrap();
    assert!(text.contains(":8*"), "{text}");
    assert!(text.contains("REF*F8*PAYER999"), "{text}");
}

async fn lists_roles_and_unique_pcns(app: TestApp) {
    let (fx, enc) = ready(&app, "C6").await;
    let mut ids = vec![built(&app, &enc).await];
    for _ in 0..2 {
        let e = claims_fx::signed_off(&app, &claims_fx::another_visit(&fx)).await;
        ids.push(built(&app, &e).await);
    }
    queued(&app, &ids[0]).await;
    let r = app.get("/v1/claims?status=validated", Role::Billing).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let r = app
        .get(
            &format!("/v1/claims?payer_id={}&limit=2", fx.payer),
            Role::Admin,
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    let next = r.body["next_cursor"].as_str().unwrap().to_string();
    let r = app
        .get(&format!("/v1/claims?cursor={next}"), Role::Admin)
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let r = app.get("/v1/claims?status=rejected", Role::Billing).await;
    assert_eq!(r.body["items"], json!([]));
    let r = app.get("/v1/claims?status=paid", Role::Billing).await;
    assert_eq!(r.body["items"], json!([]));
    let r = app.get("/v1/claims?status=settled", Role::Billing).await;
    assert_eq!(r.status, 422);
    let r = app
        .get(
            &format!("/v1/claims?from={}", common::fixtures::days_ago(1)),
            Role::Billing,
        )
        .await;
    assert_eq!(r.body["items"], json!([]));
    let pcns: std::collections::HashSet<String> = ids
        .iter()
        .map(|id| {
            let mut c = app.conn();
            use diesel::prelude::*;
            use medbill::db::schema_claims::claims as cl;
            cl::table
                .filter(cl::id.eq(medbill::claims::model::ClaimId(id.parse().unwrap())))
                .select(cl::patient_control_number)
                .first::<String>(&mut *c)
                .unwrap()
        })
        .collect();
    assert_eq!(pcns.len(), 3);

    for role in [Role::Lab, Role::FrontDesk] {
        assert_eq!(app.get("/v1/claims", role).await.status, 403);
        assert_eq!(
            app.get(&format!("/v1/claims/{}", ids[0]), role)
                .await
                .status,
            403
        );
        let r = app
            .post(&format!("/v1/encounters/{enc}/claims"), role, &json!({}))
            .await;
        assert_eq!(r.status, 403);
        assert_eq!(app.get("/v1/submission-jobs", role).await.status, 403);
    }
}

#[test]
fn pcns_are_short_and_distinct() {
    let set: std::collections::HashSet<String> = (0..1000)
        .map(|_| medbill::claims::service::new_pcn())
        .collect();
    assert_eq!(set.len(), 1000);
    assert!(set
        .iter()
        .all(|p| p.len() == 16 && p.chars().all(|c| c.is_ascii_alphanumeric())));
}

/// The 837P check at creation writes the claim as the app's submitter settings say: they are
/// passed down from start-up (`AppState::submitter`), so a test sets its own.
async fn checked_as_the_apps_submitter_writes_it(app: TestApp) {
    let app = app.with_settings(|s| s.submitter.sender_qualifier = "XX".into());
    let (_fx, enc) = ready(&app, "S7").await;
    let r = build(&app, &enc).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.to_string().contains("sender_qualifier"),
        "{}",
        r.body
    );
}

on_both_backends!(
    build_from_signed_off,
    checked_as_the_apps_submitter_writes_it,
    refuses_what_cannot_be_billed,
    lifecycle_and_history,
    replace_and_void,
    lists_roles_and_unique_pcns,
);
