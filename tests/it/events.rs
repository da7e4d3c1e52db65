//! Issue 15, events and the feed: events exist exactly for committed changes, in commit
//! order behind a durable cursor, with ids and statuses but no PHI.
#![allow(clippy::unwrap_used)]

use medbill::auth::roles::Role;
use medbill::claims::clearinghouse::FileDrop;
use medbill::claims::worker::{self, WorkerConfig};
use serde_json::{json, Value};

use crate::claims_fx::{built, queued, ready, temp_dir};
use crate::common::fixtures::id_of;
use crate::common::{patient_body, TestApp};
use crate::specimen_support;

/// The whole feed (as lab: any role may read it), following cursors page by page.
pub async fn all_events(app: &TestApp, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = String::new();
    loop {
        let r = app
            .get(&format!("/v1/events?limit=2{query}{after}"), Role::Lab)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        out.extend(r.body["items"].as_array().unwrap().iter().cloned());
        after = format!("&after={}", r.body["next_cursor"].as_str().unwrap());
        if !r.body["has_more"].as_bool().unwrap() {
            return out;
        }
    }
}

fn types_of(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

async fn committed_changes_only(app: TestApp) {
    let r = app
        .post("/v1/patients", Role::FrontDesk, &patient_body("E1"))
        .await;
    let id = id_of(&r);
    // Rolled back: a duplicate MRN (409) and a stale update (412) leave no event.
    let dup = app
        .post("/v1/patients", Role::FrontDesk, &patient_body("E1"))
        .await;
    assert_eq!(dup.status, 409);
    let path = format!("/v1/patients/{id}");
    let stale = app
        .patch(&path, Role::FrontDesk, &json!({"city": "X"}), Some("\"7\""))
        .await;
    assert_eq!(stale.status, 412);
    let ok = app
        .patch(
            &path,
            Role::FrontDesk,
            &json!({"city": "Shelbyville"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let gone = app.delete(&path, Role::FrontDesk).await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    let events = all_events(&app, "").await;
    assert_eq!(
        types_of(&events),
        ["patient.created", "patient.updated", "patient.deactivated"]
    );
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["resource"]["type"], "patient");
        assert_eq!(e["resource"]["id"], id.as_str());
        assert_eq!(e["resource"]["version"], i as i64 + 1);
        assert_eq!(e["data"]["patient_id"], id.as_str());
    }
    // Ids only: no names, birth dates, MRNs or addresses.
    let text = serde_json::to_string(&events).unwrap();
    for phi in ["Ann", "Lee", "1980-02-03", "E1\"", "Main St", "Shelbyville"] {
        assert!(!text.contains(phi), "{phi} in {text}");
    }
    // The cursor is durable: after the last event nothing comes, and it stays valid.
    let r = app.get("/v1/events?limit=500", Role::Lab).await;
    let cursor = r.body["next_cursor"].as_str().unwrap().to_string();
    let r = app
        .get(&format!("/v1/events?after={cursor}"), Role::Lab)
        .await;
    assert_eq!(r.body["items"], json!([]));
    assert_eq!(r.body["next_cursor"], cursor.as_str());
    app.post("/v1/patients", Role::FrontDesk, &patient_body("E2"))
        .await;
    let r = app
        .get(&format!("/v1/events?after={cursor}"), Role::Lab)
        .await;
    assert_eq!(
        types_of(r.body["items"].as_array().unwrap()),
        ["patient.created"]
    );
    // One event by id; bad cursors and types are 422.
    let one = app
        .get(
            &format!("/v1/events/{}", events[0]["id"].as_str().unwrap()),
            Role::Billing,
        )
        .await;
    assert_eq!(
        (one.status, &one.body["type"]),
        (200, &json!("patient.created"))
    );
    let none = app
        .get("/v1/events?types=statement.created", Role::Lab)
        .await;
    assert_eq!(
        (none.status, &none.body["items"]),
        (200, &json!([])),
        "a type not yet emitted"
    );
    let none = app.get("/v1/events?types=nope.*", Role::Lab).await;
    assert_eq!((none.status, &none.body["items"]), (200, &json!([])));
    for bad in ["after=zz", "types=Patient", "types=a.b.c", "limit=0"] {
        let r = app.get(&format!("/v1/events?{bad}"), Role::Lab).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
    }
}

async fn capabilities_emit(app: TestApp) {
    let (fx, enc) = ready(&app, "E3").await;
    let claim = built(&app, &enc).await;
    queued(&app, &claim).await;
    let out = temp_dir("events-outbox");
    worker::drain(
        &app.state.pool,
        &WorkerConfig::default(),
        &FileDrop::new(&out),
    )
    .unwrap();
    let sp = specimen_support::create(&app, Role::Lab, &specimen_support::body(&fx)).await;
    let sp_id = sp.body["id"].as_str().unwrap().to_string();
    specimen_support::walk(&app, &sp_id, 1, &["in_transit", "received"]).await;
    let events = all_events(&app, "").await;
    let types = types_of(&events);
    for t in [
        "patient.created",
        "coverage.created",
        "encounter.created",
        "encounter.signed_off",
        "claim.created",
        "claim.queued",
        "claim.submitted",
        "specimen.accessioned",
        "specimen.status_changed",
        "specimen.received",
    ] {
        assert!(types.contains(&t.to_string()), "{t} missing from {types:?}");
    }
    // Claim events in life order with increasing versions.
    let claim_events: Vec<_> = events
        .iter()
        .filter(|e| e["resource"]["id"] == claim.as_str())
        .collect();
    let names: Vec<_> = claim_events
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["claim.created", "claim.queued", "claim.submitted"]);
    let versions: Vec<_> = claim_events
        .iter()
        .map(|e| e["resource"]["version"].as_i64().unwrap())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert_eq!(claim_events[2]["data"]["from_status"], "queued");
    // The types filter takes names and resource patterns.
    let only = all_events(&app, "&types=claim.*,specimen.received").await;
    assert_eq!(
        types_of(&only),
        [
            "claim.created",
            "claim.queued",
            "claim.submitted",
            "specimen.received"
        ]
    );
}

/// Positions of the whole feed must be 1..=n, each event once.
fn assert_no_gap_or_repeat(events: &[Value]) {
    let mut ids: Vec<_> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "an event repeated: {events:?}");
}

/// An event whose id was taken first but whose transaction commits after a later one was
/// sequenced still reaches the feed: after the cursor a reader already holds, once.
async fn late_commit_gets_a_later_position(app: TestApp) {
    use medbill::db::AnyConnection;
    use medbill::events::{self, store, types};
    use std::sync::mpsc;

    let record = |c: &mut AnyConnection, id: uuid::Uuid| {
        events::record(c, types::PATIENT_UPDATED, id, 2, json!({"patient_id": id})).map(|_| ())
    };
    let (early, late) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    // The early writer: its event (the smaller UUID v7) is written before the late writer's,
    // but commits after. On PostgreSQL a real second transaction held open on another
    // connection; SQLite has one writer at a time, so there the early event's row is written
    // after the late one's sequencing with the id it would have taken first.
    let (written_tx, written_rx) = mpsc::channel();
    let (commit_tx, commit_rx) = mpsc::channel::<()>();
    let early_writer = if app.state.backend == medbill::db::Backend::Postgres {
        let mut conn = app.conn();
        Some(std::thread::spawn(move || {
            conn.write_transaction(|c| {
                events::record(
                    c,
                    types::PATIENT_UPDATED,
                    early,
                    2,
                    json!({"patient_id": early}),
                )?;
                written_tx.send(()).unwrap();
                commit_rx.recv().unwrap();
                Ok::<_, diesel::result::Error>(())
            })
            .unwrap();
        }))
    } else {
        written_tx.send(()).unwrap();
        None
    };
    written_rx.recv().unwrap();
    app.conn().write_transaction(|c| record(c, late)).unwrap();
    // The late event is sequenced (the feed runs the sequencer) while the early one is not
    // yet committed: the reader's cursor moves past it.
    let first = all_events(&app, "").await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["data"]["patient_id"], late.to_string());
    let r = app.get("/v1/events?limit=500", Role::Lab).await;
    let cursor = r.body["next_cursor"].as_str().unwrap().to_string();
    match early_writer {
        Some(t) => {
            commit_tx.send(()).unwrap();
            t.join().unwrap();
        }
        None => {
            use diesel::prelude::*;
            use medbill::db::schema_events::events as ev;
            use medbill::db::types::Timestamp;
            let mut c = app.conn();
            c.write_transaction(|c| {
                diesel::insert_into(ev::table)
                    .values((
                        ev::id.eq(events::EventId(early)),
                        ev::event_type.eq("patient.updated"),
                        ev::occurred_at.eq(Timestamp::now()),
                        ev::resource_type.eq("patient"),
                        ev::resource_id.eq(events::ResourceId(early)),
                        ev::resource_version.eq(2),
                        ev::payload.eq(json!({"patient_id": early}).to_string()),
                    ))
                    .execute(c)
            })
            .unwrap();
        }
    }
    assert_eq!(store::sequence_all(&mut app.conn()).unwrap(), 1);
    // The reader asking again after its cursor gets the early event, once.
    let r = app
        .get(&format!("/v1/events?after={cursor}&limit=500"), Role::Lab)
        .await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["data"]["patient_id"], early.to_string());
    // The whole feed: both, late first (commit order), no repeat.
    let all = all_events(&app, "").await;
    assert_no_gap_or_repeat(&all);
    let order: Vec<_> = all
        .iter()
        .map(|e| e["data"]["patient_id"].clone())
        .collect();
    assert_eq!(order, [json!(late), json!(early)]);
}

/// Many events from concurrent writers, sequenced while they commit, in batches smaller than
/// the backlog: every one gets exactly one position and positions have no hole.
async fn concurrent_writers_sequenced_in_batches(app: TestApp) {
    use medbill::events::{self, store, types};
    let pool = app.state.pool.clone();
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    let mut c = pool.get().unwrap();
                    c.write_transaction(|c| {
                        for _ in 0..3 {
                            let id = uuid::Uuid::now_v7();
                            events::record(c, types::PATIENT_UPDATED, id, 2, json!({}))?;
                        }
                        Ok::<_, diesel::result::Error>(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    let mut sequenced = 0;
    while writers.iter().any(|w| !w.is_finished()) {
        sequenced += store::sequence(&mut pool.get().unwrap(), 7).unwrap();
    }
    for w in writers {
        w.join().unwrap();
    }
    sequenced += store::sequence_all(&mut pool.get().unwrap()).unwrap();
    assert_eq!(sequenced, 300);
    let rows = store::feed(&mut pool.get().unwrap(), 0, &[], 1000).unwrap();
    let positions: Vec<_> = rows.iter().map(|r| r.position.unwrap()).collect();
    assert_eq!(positions, (1..=300).collect::<Vec<_>>());
}

on_both_backends!(
    committed_changes_only,
    capabilities_emit,
    late_commit_gets_a_later_position,
    concurrent_writers_sequenced_in_batches
);
