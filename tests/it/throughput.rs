//! Throughput guards (issues 11 and 12), on both backends:
//! - posting an 835 payment reads and writes per payment, not per claim: the SQL statements an
//!   import runs do not grow with its claims (statuses too are one `UPDATE … FROM (VALUES …)`
//!   per 500 claims), counted with diesel's instrumentation; the money and statuses are those of the claim-at-a-time path;
//! - a claim batch plans items in memory and writes only the accepted ones: an item whose write
//!   would fail (a claim that already has an outbox job) is refused on its own, leaves nothing
//!   of itself, and the items around it still commit;
//! - building a claim scrubs its encounter once (marking the encounter billed does not check,
//!   price and scrub it again): the scrubber's history query runs once per build;
//! - a validate with both history rules firing reads in a fixed, small number of statements
//!   (issue 20), none with a `LIMIT` (which SQLite recompiles on every run).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use diesel::connection::{Connection, InstrumentationEvent};
use medbill::auth::roles::Role;
use medbill::auth::tokens::Caller;
use medbill::http::RequestCtx;
use serde_json::json;

use crate::claims_fx::{
    address_billing, another_visit, assert_ledger_balances, built, claim_field, post_with,
    signed_off, sql,
};
use crate::common::fixtures::{coded, fixture, id_of, Fx};
use crate::common::statements::counting_statements;
use crate::common::TestApp;

/// A submitted two-line claim (99213-25 at 125.00, 93000 at 50.00); returns (id, CLM01).
async fn submitted(app: &TestApp, fx: &Fx) -> (String, String) {
    let mut body = another_visit(fx);
    body["lines"] = json!([
        {"code": "99213", "modifiers": ["25"], "charge_cents": 12500, "diagnosis_pointers": [1]},
        {"code": "93000", "charge_cents": 5000, "diagnosis_pointers": [1]}
    ]);
    let enc = signed_off(app, &body).await;
    let id = built(app, &enc).await;
    sql(
        app,
        &format!("UPDATE claims SET status = 'submitted' WHERE id = '{id}'"),
    );
    let pcn = claim_field(app, &id, "patient_control_number")
        .as_str()
        .unwrap()
        .to_string();
    (id, pcn)
}

/// An 835 paying each of `pcns` 140.00 of 175.00 (CO 45 and PR 2 on line 1, line 2 in full).
fn era(isa13: u32, pcns: &[String]) -> String {
    let mut segs = vec![
        "ST*835*0001".to_string(),
        format!("BPR*I*{}*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*011000028*DA*987654321*20260401", 140 * pcns.len()),
        format!("TRN*1*EFT{isa13}*1512345678"),
        "N1*PR*AETNA".into(),
        "N3*1 PAYER WAY".into(),
        "N4*HARTFORD*CT*06101".into(),
        "PER*BL*EDI*TE*8005551212".into(),
        "N1*PE*MAPLE STREET FAMILY PRACTICE*XX*1234567893".into(),
        "LX*1".into(),
    ];
    for p in pcns {
        for s in [
            format!("CLP*{p}*1*175*140*20*12*P{p}*11*1"),
            "NM1*QC*1*DOE*JANE****MI*M1".into(),
            "SVC*HC:99213:25*125*90**1".into(),
            "CAS*CO*45*15".into(),
            "CAS*PR*2*20".into(),
            "REF*6R*1".into(),
            "SVC*HC:93000*50*50**1".into(),
            "REF*6R*2".into(),
        ] {
            segs.push(s);
        }
    }
    segs.push(format!("SE*{}*0001", segs.len() + 1));
    let mut out = vec![
        format!("ISA*00*          *00*          *ZZ*AETNA          *ZZ*MEDBILLSUB     *260401*0900*^*00501*{isa13:09}*0*T*:"),
        format!("GS*HP*AETNA*MEDBILLSUB*20260401*0900*{isa13}*X*005010X221A1"),
    ];
    out.extend(segs);
    out.push(format!("GE*1*{isa13}"));
    out.push(format!("IEA*1*{isa13:09}"));
    out.join("~\n") + "~\n"
}

/// Imports `text` on one pooled connection and returns the SQL statements it ran (queries and
/// transaction control: BEGIN, COMMIT, SAVEPOINT, RELEASE, ROLLBACK).
fn statements_of_import(app: &TestApp, text: &str) -> usize {
    let mut conn = app.conn();
    let ctx = RequestCtx {
        caller: Caller {
            actor: "system:remits".into(),
            role: Role::Admin,
            generation: None,
        },
        request_id: String::new(),
    };
    let (out, count) = counting_statements(&mut conn, |c| {
        medbill::remits::import::import_835(c, &ctx, &app.state.submitter, "t.835", text).unwrap()
    });
    assert_eq!(out.payments[0].status.as_str(), "posted", "{out:?}");
    count
}

async fn payment_statements_do_not_grow_per_claim(app: TestApp) {
    let fx = fixture(&app, "TP1").await;
    address_billing(&app, &fx).await;
    let mut claims = Vec::new();
    for _ in 0..6 {
        claims.push(submitted(&app, &fx).await);
    }
    let pcns: Vec<String> = claims.iter().map(|(_, p)| p.clone()).collect();
    let two = statements_of_import(&app, &era(801, &pcns[..2]));
    let four = statements_of_import(&app, &era(802, &pcns[2..]));
    let per_claim = (four - two) as f64 / 2.0;
    println!("835 import: {two} statements for 2 claims, {four} for 4 ({per_claim} per claim)");
    // Every read, insert and claim update is per payment (per 500 claims): two more claims
    // run no more statements.
    assert_eq!(per_claim, 0.0, "{two} -> {four} statements");
    assert_ledger_balances(&app);
    for (id, _) in &claims {
        assert_eq!(claim_field(&app, id, "status"), "paid");
    }
    // Every claim: one posting, six entries (two payments, CO and PR on line 1, and the two
    // charges), one audit row, one history event.
    assert_eq!(app.count("ledger_postings"), 6);
    assert_eq!(app.count("ledger_entries"), 6 * 6);
    assert_eq!(
        app.count("audit_log WHERE resource_type = 'claim_posting'"),
        6
    );
    assert_eq!(app.count("claim_events WHERE to_status = 'paid'"), 6);
    assert_eq!(app.count("claims WHERE version = 2"), 6);
}

async fn a_failing_item_leaves_nothing_in_its_group(app: TestApp) {
    let fx = fixture(&app, "TP2").await;
    address_billing(&app, &fx).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let enc = signed_off(&app, &another_visit(&fx)).await;
        ids.push(built(&app, &enc).await);
    }
    // The middle claim already has an outbox job: its job insert would fail on the unique
    // claim_id (and with it the chunk's multi-row insert), so the plan refuses it alone.
    sql(
        &app,
        &format!(
            "INSERT INTO submission_jobs (id, claim_id, payer_id, status, attempts, next_attempt_at, \
             created_at, updated_at) SELECT '0190a000-0000-7000-8000-000000000001', id, payer_id, \
             'done', 1, created_at, created_at, created_at FROM claims WHERE id = '{}'",
            ids[1]
        ),
    );
    let events = app.count("claim_events");
    let r = post_with(
        &app,
        "/v1/claims/queue",
        Role::Billing,
        Some(&json!({"claim_ids": ids})),
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let outcomes: Vec<&str> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["queued", "failed", "queued"], "{}", r.body);
    assert_eq!(claim_field(&app, &ids[0], "status"), "queued");
    assert_eq!(claim_field(&app, &ids[1], "status"), "validated");
    assert_eq!(claim_field(&app, &ids[2], "status"), "queued");
    // Two queued events, none for the failed item; two new jobs beside the planted one.
    assert_eq!(app.count("claim_events"), events + 2);
    assert_eq!(
        app.count(&format!(
            "claim_events WHERE claim_id = '{}' AND to_status = 'queued'",
            ids[1]
        )),
        0
    );
    assert_eq!(app.count("submission_jobs"), 3);
}

/// Runs `f` in a write transaction on one pooled connection, returning the SQL text of every
/// statement it ran.
fn statements_of(
    app: &TestApp,
    f: impl FnOnce(&mut medbill::db::AnyConnection) -> medbill::error::DomainResult<()>,
) -> Vec<String> {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let mut conn = app.conn();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = e {
            sink.lock().unwrap().push(query.to_string());
        }
    });
    conn.write_transaction(f).unwrap();
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
    let out = seen.lock().unwrap().clone();
    out
}

fn billing_ctx() -> RequestCtx {
    RequestCtx {
        caller: Caller {
            actor: "user:billing".into(),
            role: Role::Billing,
            generation: None,
        },
        request_id: String::new(),
    }
}

fn encounter_id(id: &str) -> medbill::encounters::model::EncounterId {
    medbill::encounters::model::EncounterId(id.parse().unwrap())
}

async fn a_claim_build_scrubs_once(app: TestApp) {
    let fx = fixture(&app, "TP3").await;
    address_billing(&app, &fx).await;
    let enc = signed_off(&app, &another_visit(&fx)).await;
    let before = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await;
    assert_eq!(before.status, 200, "{}", before.body);
    let (codes, ctx, id) = (app.state.codes(), billing_ctx(), encounter_id(&enc));
    let sql = statements_of(&app, |c| {
        medbill::claims::service::create_row_in(c, codes, &app.state.submitter, &ctx, id, None)
            .map(|_| ())
    });
    // The scrubber's history check reads the patient's billed services once per scrub.
    let history_reads = sql
        .iter()
        .filter(|q| q.trim_start().starts_with("SELECT") && q.contains("claim_services"))
        .count();
    assert_eq!(history_reads, 1, "{sql:#?}");
    // What the build no longer does: the full encounter save that marked it billed.
    let other = encounter_id(&signed_off(&app, &another_visit(&fx)).await);
    let resave = statements_of(&app, |c| {
        medbill::encounters::service::mark_billed(c, codes, &ctx, other).map(|_| ())
    });
    println!(
        "claim build: {} SQL statements; the encounter re-save it used to run on top: {}",
        sql.len(),
        resave.len()
    );
    let after = app
        .get(&format!("/v1/encounters/{enc}"), Role::Billing)
        .await;
    assert_eq!(after.body["status"], "billed", "{}", after.body);
    assert_eq!(
        after.body["version"],
        before.body["version"].as_i64().unwrap() + 1
    );
    assert_eq!(after.body["payer_id"], before.body["payer_id"]);
    assert_eq!(after.body["error_count"], 0);
    assert_eq!(after.body["warning_count"], before.body["warning_count"]);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE resource_type = 'encounter' AND action = 'bill' AND resource_id = '{enc}'"
        )),
        1
    );
}

/// The statements of one validate: the encounter with its lines, diagnoses, overrides; the
/// patient, the providers, the coverage with its payer; the latest eligibility check; the
/// payer's frequency limits; the patient's history for both history rules. There were 16.
const VALIDATE_STATEMENTS: usize = 9;

async fn a_validate_reads_in_few_statements(app: TestApp) {
    let fx = fixture(&app, "TP4").await;
    address_billing(&app, &fx).await;
    // A billed 99213 on the date, and a limit of once per 12 months on it for the payer.
    let body = coded(&fx);
    built(&app, &signed_off(&app, &body).await).await;
    let rule = json!({"code": "99213", "payer_id": fx.payer, "max_units": 1,
        "period_kind": "rolling_months", "period_months": 12, "description": "Office visit (test policy)"});
    id_of(&app.post("/v1/frequency-rules", Role::Billing, &rule).await);
    let enc = id_of(&app.post("/v1/encounters", Role::Billing, &body).await);
    let (codes, id) = (app.state.codes(), encounter_id(&enc));
    // The first validate may refresh the stored counts; the second only reads.
    let mut conn = app.conn();
    medbill::encounters::service::validate(&mut conn, codes, id).unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = e {
            sink.lock().unwrap().push(query.to_string());
        }
    });
    let (_, report) = medbill::encounters::service::validate(&mut conn, codes, id).unwrap();
    conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
    let sql = seen.lock().unwrap().clone();
    let rules: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.finding.rule.as_str())
        .collect();
    assert!(rules.contains(&"claim.duplicate_service"), "{rules:?}");
    assert!(rules.contains(&"frequency.exceeded"), "{rules:?}");
    assert_eq!(sql.len(), VALIDATE_STATEMENTS, "{sql:#?}");
    assert!(
        sql.iter().all(|q| !q.contains("LIMIT")),
        "a LIMIT parameter makes SQLite compile the statement again on every run: {sql:#?}"
    );
}

on_both_backends!(
    payment_statements_do_not_grow_per_claim,
    a_failing_item_leaves_nothing_in_its_group,
    a_claim_build_scrubs_once,
    a_validate_reads_in_few_statements
);
