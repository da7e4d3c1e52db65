//! Specimens over HTTP: accessioning and lookup by accession number (a mistyped scan is a
//! 422), the lifecycle with 409 naming the allowed states, rejection with an HL7 0490 reason,
//! recollection, the chain of custody (and the storage refusing to change it), and the lab's
//! lists. Roles, bad input and audit: tests/it/specimen_access.rs.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::specimen_support;

use common::fixtures::id_of;
use common::{patient_body, TestApp};
use diesel::prelude::*;
use medbill::auth::roles::Role;
use serde_json::json;
use specimen_support::{audited, body, create, minutes_ago, move_to, post_if, records, walk};

fn luhn_ok(acc: &str) -> bool {
    medbill::specimens::accession::parse(acc).is_ok()
}

async fn create_and_lookup(app: TestApp) {
    let fx = records(&app, "S1").await;
    let r = create(&app, Role::Lab, &body(&fx)).await;
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.header("location").unwrap(), format!("/v1/specimens/{id}"));
    assert_eq!(r.header("etag").unwrap(), "\"1\"");
    let acc = r.body["accession_number"].as_str().unwrap().to_string();
    assert_eq!(acc.len(), 10);
    assert!(luhn_ok(&acc), "{acc}");
    assert_eq!(r.body["status"], "collected");
    assert_eq!(r.body["specimen_type"], "SER");
    assert_eq!(r.body["volume_unit"], "mL");
    assert_eq!(r.body["priority"], "routine");
    assert_eq!(r.body["tests"][0]["code_system"], "cpt");
    assert_eq!(r.body["tests"][0]["loinc"], "24323-8");
    assert_eq!(r.body["events"][0]["action"], "collected");
    assert_eq!(r.body["events"][0]["seq"], 1);

    // Sequences advance and never repeat.
    let r2 = create(&app, Role::FrontDesk, &body(&fx)).await;
    let acc2 = r2.body["accession_number"].as_str().unwrap();
    assert_ne!(acc2, acc);
    assert_eq!(
        acc2[..9].parse::<u64>().unwrap(),
        acc[..9].parse::<u64>().unwrap() + 1
    );

    let r = app.get(&format!("/v1/specimens/{id}"), Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["accession_number"], acc.as_str());
    assert_eq!(r.body["events"].as_array().unwrap().len(), 1);

    let r = app
        .get(&format!("/v1/specimens/by-accession/{acc}"), Role::Lab)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["id"], id.as_str());
    // A mistyped scan: one digit changed.
    let mut typo = acc.clone().into_bytes();
    typo[5] = if typo[5] == b'9' { b'0' } else { typo[5] + 1 };
    let typo = String::from_utf8(typo).unwrap();
    let r = app
        .get(&format!("/v1/specimens/by-accession/{typo}"), Role::Lab)
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["code"], "check_digit");
    assert!(r.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("mistyped"));
    let r = app.get("/v1/specimens/by-accession/12AB", Role::Lab).await;
    assert_eq!(r.status, 422);
    // Well formed but unknown.
    let unknown = medbill::specimens::accession::format(2026, 9_999_999);
    let r = app
        .get(&format!("/v1/specimens/by-accession/{unknown}"), Role::Lab)
        .await;
    assert_eq!(r.status, 404);

    // Idempotency-Key: a retry gets the first answer and stores nothing more.
    let before = app.count("specimens");
    let b = body(&fx);
    let tok = app.token(Role::Lab);
    let req = |k: &str| {
        actix_web::test::TestRequest::post()
            .uri("/v1/specimens")
            .insert_header(("authorization", format!("Bearer {tok}")))
            .insert_header(("idempotency-key", k.to_string()))
            .set_json(&b)
    };
    let a = app.send(req("k-1")).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let again = app.send(req("k-1")).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body["accession_number"], a.body["accession_number"]);
    assert_eq!(app.count("specimens"), before + 1);
}

async fn lifecycle_and_conflicts(app: TestApp) {
    let fx = records(&app, "S2").await;
    let id = id_of(&create(&app, Role::FrontDesk, &body(&fx)).await);
    let path = format!("/v1/specimens/{id}/transitions");
    // If-Match is required; a stale one is 412.
    let r = app
        .post(&path, Role::Lab, &json!({"to": "in_transit"}))
        .await;
    assert_eq!(r.status, 428);
    let r = move_to(&app, &id, Role::Lab, 7, json!({"to": "in_transit"})).await;
    assert_eq!(r.status, 412);
    // Front desk sends it on.
    let r = move_to(
        &app,
        &id,
        Role::FrontDesk,
        1,
        json!({"to": "in_transit", "location": "courier", "temperature_c": 4.5}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.header("etag").unwrap(), "\"2\"");
    assert_eq!(r.body["location"], "courier");
    // ... but may not receive it.
    let r = move_to(&app, &id, Role::FrontDesk, 2, json!({"to": "received"})).await;
    assert_eq!(r.status, 403);
    // Not allowed by the machine: 409 naming the allowed states.
    let r = move_to(&app, &id, Role::Lab, 2, json!({"to": "resulted"})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.body["status"], 409);
    assert_eq!(r.body["current_status"], "in_transit");
    assert_eq!(
        r.body["allowed_next"],
        json!(["received", "rejected", "cancelled"])
    );
    let r = walk(&app, &id, 2, &["received", "in_process", "resulted"]).await;
    assert_eq!(r.body["status"], "resulted");
    assert_eq!(r.body["version"], 5);
    assert!(r.body["received_at"].is_string());
    let events = r.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 5);
    assert_eq!(events[1]["action"], "in_transit");
    assert_eq!(events[1]["from_status"], "collected");
    assert_eq!(events[1]["temperature_c"], 4.5);
    assert!(events[2]["actor"].as_str().unwrap().starts_with("user:"));
    // Out of a final state: 409 with no allowed states.
    let r = move_to(
        &app,
        &id,
        Role::Lab,
        5,
        json!({"to": "rejected", "reject_reason": "RH", "note": "x"}),
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["allowed_next"], json!([]));
    // Unknown target: 422.
    let r = move_to(&app, &id, Role::Lab, 5, json!({"to": "lost"})).await;
    assert_eq!(r.status, 422);
    // Details are fixed after receipt.
    let r = app
        .patch(
            &format!("/v1/specimens/{id}"),
            Role::Lab,
            &json!({"notes": "x"}),
            Some("\"5\""),
        )
        .await;
    assert_eq!(r.status, 409);
}

async fn update_before_receipt(app: TestApp) {
    let fx = records(&app, "S9").await;
    let id = id_of(&create(&app, Role::FrontDesk, &body(&fx)).await);
    let p = format!("/v1/specimens/{id}");
    let r = app
        .patch(&p, Role::FrontDesk, &json!({"notes": "late"}), None)
        .await;
    assert_eq!(r.status, 428);
    let r = app
        .patch(
            &p,
            Role::FrontDesk,
            &json!({"priority": "stat", "volume": 3.5, "notes": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["priority"], "stat");
    assert_eq!(r.body["volume"], 3.5);
    assert_eq!(r.body["volume_unit"], "mL");
    assert!(r.body["notes"].is_null());
    assert_eq!(r.body["events"][1]["action"], "edited");
    let r = app
        .patch(&p, Role::FrontDesk, &json!({"volume": -1}), Some("\"2\""))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/volume");
    let r = app
        .patch(&p, Role::Billing, &json!({"notes": "x"}), Some("\"2\""))
        .await;
    assert_eq!(r.status, 403);
}

async fn rejection_and_recollection(app: TestApp) {
    let fx = records(&app, "S3").await;
    let id = id_of(&create(&app, Role::Lab, &body(&fx)).await);
    walk(&app, &id, 1, &["received"]).await;
    // A reason from HL7 0490 is required, plus a note.
    let r = move_to(
        &app,
        &id,
        Role::Lab,
        2,
        json!({"to": "rejected", "note": "pink serum"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["pointer"], "/reject_reason");
    let r = move_to(
        &app,
        &id,
        Role::Lab,
        2,
        json!({"to": "rejected", "reject_reason": "ZZ", "note": "x"}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["code"], "unknown_reject_reason");
    let r = move_to(
        &app,
        &id,
        Role::Lab,
        2,
        json!({"to": "rejected", "reject_reason": "RH"}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["pointer"], "/note");
    let r = move_to(
        &app,
        &id,
        Role::FrontDesk,
        2,
        json!({"to": "rejected", "reject_reason": "RH", "note": "x"}),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = move_to(
        &app,
        &id,
        Role::Lab,
        2,
        json!({"to": "rejected", "reject_reason": "rh", "note": "grossly hemolysed"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["reject_reason"], "RH");
    assert_eq!(r.body["reject_note"], "grossly hemolysed");
    let old_acc = r.body["accession_number"].as_str().unwrap().to_string();
    // Terminal.
    let r = move_to(&app, &id, Role::Lab, 3, json!({"to": "in_process"})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["allowed_next"], json!([]));
    // Recollect: a new specimen linked to the rejected one.
    let rec = format!("/v1/specimens/{id}/recollect");
    let r = app
        .post(
            &rec,
            Role::FrontDesk,
            &json!({"collected_at": minutes_ago(1)}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .post(
            &rec,
            Role::Lab,
            &json!({"collected_at": minutes_ago(1), "volume": 4, "volume_unit": "mL"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["recollection_of"], id.as_str());
    assert_eq!(r.body["status"], "collected");
    assert_eq!(r.body["tests"].as_array().unwrap().len(), 2);
    assert_ne!(r.body["accession_number"], old_acc.as_str());
    assert!(r.body["events"][0]["note"]
        .as_str()
        .unwrap()
        .contains(&old_acc));
    let new_acc = r.body["accession_number"].as_str().unwrap().to_string();
    let old = app.get(&format!("/v1/specimens/{id}"), Role::Lab).await;
    let last = old.body["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "recollected");
    assert!(last["note"].as_str().unwrap().contains(&new_acc));
    // Only once.
    let r = app
        .post(&rec, Role::Lab, &json!({"collected_at": minutes_ago(1)}))
        .await;
    assert_eq!(r.status, 409);
    // Only a rejected specimen.
    let other = id_of(&create(&app, Role::Lab, &body(&fx)).await);
    let r = app
        .post(
            &format!("/v1/specimens/{other}/recollect"),
            Role::Lab,
            &json!({"collected_at": minutes_ago(1)}),
        )
        .await;
    assert_eq!(r.status, 409);
    // Cancel needs a note.
    let r = move_to(&app, &other, Role::Lab, 1, json!({"to": "cancelled"})).await;
    assert_eq!(r.status, 422);
    let r = move_to(
        &app,
        &other,
        Role::Lab,
        1,
        json!({"to": "cancelled", "note": "order withdrawn"}),
    )
    .await;
    assert_eq!(r.status, 200);
}

async fn custody_is_append_only(app: TestApp) {
    let fx = records(&app, "S4").await;
    let id = id_of(&create(&app, Role::FrontDesk, &body(&fx)).await);
    let path = format!("/v1/specimens/{id}/custody");
    let r = app
        .post(
            &path,
            Role::FrontDesk,
            &json!({"action": "handoff", "from_location": "draw room 2", "to_location": "courier bag",
                "condition": "intact", "temperature_c": 21.0, "note": "to courier R. Diaz"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["location"], "courier bag");
    assert_eq!(r.body["version"], 2);
    let ev = &r.body["events"][1];
    assert_eq!(ev["action"], "custody:handoff");
    assert_eq!(ev["from_location"], "draw room 2");
    assert_eq!(ev["to_location"], "courier bag");
    assert_eq!(ev["condition"], "intact");
    assert_eq!(ev["temperature_c"], 21.0);
    assert!(ev["actor"].as_str().unwrap().starts_with("user:"));
    assert!(ev["at"].is_string());
    // From defaults to the current location; If-Match, when sent, is checked.
    let r = post_if(
        &app,
        &path,
        Role::Lab,
        &json!({"action": "stored", "to_location": "fridge 3", "temperature_c": 4}),
        "\"1\"",
    )
    .await;
    assert_eq!(r.status, 412);
    let r = post_if(
        &app,
        &path,
        Role::Lab,
        &json!({"action": "stored", "to_location": "fridge 3", "temperature_c": 4}),
        "\"2\"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["events"][2]["from_location"], "courier bag");
    // Bad hand-off: 422, nothing stored.
    let r = app
        .post(
            &path,
            Role::Lab,
            &json!({"action": "Hand Off!", "to_location": "", "temperature_c": 900}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 3, "{}", r.body);
    // After receipt, front desk hands nothing on.
    walk(&app, &id, 3, &["received"]).await;
    let r = app
        .post(
            &path,
            Role::FrontDesk,
            &json!({"action": "handoff", "to_location": "bench"}),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.count("specimen_events"), 4);

    // The storage refuses to change or remove events.
    let mut c = app.conn();
    assert!(
        diesel::sql_query("UPDATE specimen_events SET note = 'edited'")
            .execute(&mut *c)
            .is_err()
    );
    assert!(diesel::sql_query("DELETE FROM specimen_events")
        .execute(&mut *c)
        .is_err());
    drop(c);
    assert_eq!(app.count("specimen_events"), 4);
    assert_eq!(app.count("specimen_events WHERE note = 'edited'"), 0);
}

async fn lists_and_overdue(app: TestApp) {
    use medbill::db::schema_specimens::specimens as s;
    use medbill::db::types::Timestamp;
    let fx = records(&app, "S5").await;
    let other = id_of(
        &app.post("/v1/patients", Role::FrontDesk, &patient_body("S5B"))
            .await,
    );
    let a = id_of(&create(&app, Role::Lab, &body(&fx)).await);
    let mut urine = body(&fx);
    urine["specimen_type"] = json!("UR");
    urine["priority"] = json!("stat");
    urine["volume"] = json!(30);
    urine["tests"] = json!([{"code": "81001"}]);
    let b = id_of(&create(&app, Role::Lab, &urine).await);
    let mut old = body(&fx);
    old["patient_id"] = json!(other);
    old["collected_at"] = json!((chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339());
    let c = id_of(&create(&app, Role::Lab, &old).await);
    // a and b in transit; a for six hours.
    walk(&app, &a, 1, &["in_transit"]).await;
    walk(&app, &b, 1, &["in_transit"]).await;
    {
        let mut conn = app.conn();
        diesel::update(
            s::table.filter(s::id.eq(medbill::specimens::model::SpecimenId(
                uuid::Uuid::parse_str(&a).unwrap(),
            ))),
        )
        .set(s::status_changed_at.eq(Timestamp(chrono::Utc::now() - chrono::Duration::hours(6))))
        .execute(&mut *conn)
        .unwrap();
    }
    let q = |query: &str| format!("/v1/specimens?{query}");
    let r = app.get(&q("status=in_transit"), Role::Lab).await;
    assert_eq!(r.item_strings("id"), vec![a.clone(), b.clone()]);
    let r = app.get(&q("specimen_type=ur"), Role::Billing).await;
    assert_eq!(r.item_strings("id"), vec![b.clone()]);
    let r = app.get(&q("priority=stat"), Role::Lab).await;
    assert_eq!(r.item_strings("id"), vec![b.clone()]);
    let r = app.get(&q(&format!("patient_id={other}")), Role::Lab).await;
    assert_eq!(r.item_strings("id"), vec![c.clone()]);
    // The day a and b were collected (half an hour before they were created: still yesterday
    // in the first half hour after midnight UTC), read back rather than assumed to be today.
    let in_transit = app.get(&q("status=in_transit"), Role::Lab).await;
    let today = chrono::DateTime::parse_from_rfc3339(
        in_transit.body["items"][0]["collected_at"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
    .with_timezone(&chrono::Utc)
    .date_naive();
    let r = app
        .get(&q(&format!("collected_from={today}")), Role::Lab)
        .await;
    assert_eq!(r.item_strings("id"), vec![a.clone(), b.clone()]);
    let r = app
        .get(
            &q(&format!(
                "collected_to={}",
                today - chrono::Duration::days(1)
            )),
            Role::Lab,
        )
        .await;
    assert_eq!(r.item_strings("id"), vec![c.clone()]);
    let r = app.get(&q("overdue_in_transit=true"), Role::Lab).await;
    assert_eq!(r.item_strings("id"), vec![a.clone()]);
    let r = app
        .get(&q("overdue_in_transit=true&overdue_hours=8"), Role::Lab)
        .await;
    assert!(r.item_strings("id").is_empty());
    // Pages.
    let r = app.get(&q("limit=2"), Role::Lab).await;
    assert_eq!(r.item_strings("id"), vec![a.clone(), b.clone()]);
    let next = r.body["next_cursor"].as_str().unwrap();
    let r = app
        .get(&q(&format!("limit=2&cursor={next}")), Role::Lab)
        .await;
    assert_eq!(r.item_strings("id"), vec![c.clone()]);
    assert!(r.body["next_cursor"].is_null());
    // Bad filters.
    for bad in [
        "status=lost",
        "specimen_type=XX",
        "priority=soon",
        "overdue_hours=0",
        "colour=red",
    ] {
        assert_eq!(app.get(&q(bad), Role::Lab).await.status, 422, "{bad}");
    }
    // Listed specimens are audited as searched.
    assert!(audited(&app, "search") >= 10);
}

on_both_backends!(
    create_and_lookup,
    lifecycle_and_conflicts,
    update_before_receipt,
    rejection_and_recollection,
    custody_is_append_only,
    lists_and_overdue,
);
