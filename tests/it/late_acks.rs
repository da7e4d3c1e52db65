//! Acknowledgments in any order: a rejecting 999 rejects only the claims still submitted; a late
//! one is recorded on the interchange and in each claim's history without changing a later state
//! (999 then 277CA, 277CA then 999, 999 accept then 999 reject). A 999 for an interchange
//! medbill never sent, and an unreadable file, are reported per file and moved to failed/.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{claim_field, queued_claims, ready, temp_dir};
use common::TestApp;
use medbill::claims::acks::{self, ImportReport};
use medbill::claims::clearinghouse::FileDrop;
use medbill::claims::worker::{self, WorkerConfig};
use serde_json::Value;

/// A 999 for group control number `gs`, set 0001, accepting (`A`) or rejecting (`R`).
fn ack_999(gs: u32, verdict: &str) -> String {
    let (ik, ak9) = if verdict == "A" {
        ("IK5*A~\n", "AK9*A*1*1*1~\n")
    } else {
        ("IK3*DMG*17**8~\nIK5*R*5~\n", "AK9*R*1*1*0~\n")
    };
    let n = 6 + usize::from(verdict != "A");
    format!(
        "ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*MEDBILLSUB     *261126*2151*^*00501*611262151*0*T*:~\n\
         GS*FA*CLEARHOUSE*MEDBILLSUB*20261126*215113*822613235*X*005010X231~\n\
         ST*999*0001*005010X231~\nAK1*HC*{gs}*005010X222A1~\nAK2*837*0001*005010X222A1~\n\
         {ik}{ak9}SE*{n}*0001~\nGE*1*822613235~\nIEA*1*611262151~\n"
    )
}

/// A 277CA accepting claim `pcn` with payer claim number PAYER0000000002.
fn accepting_277(pcn: &str) -> String {
    include_str!("../fixtures/x12/rejected.277")
        .replace("PCN00000001", "NOTOURS1")
        .replace("PCN00000002", pcn)
        .replace("PCN00000003", "NOTOURS3")
}

/// One claim sent alone in the test database's first interchange (GS06 1); returns its id.
async fn sent_claim(app: &TestApp, mrn: &str) -> String {
    let (fx, _) = ready(app, mrn).await;
    let ids = queued_claims(app, &fx, 1).await;
    let cfg = WorkerConfig::default();
    worker::drain(&app.state.pool, &cfg, &FileDrop::new(temp_dir("outbox"))).unwrap();
    assert_eq!(claim_field(app, &ids[0], "status"), "submitted");
    ids[0].clone()
}

fn import(app: &TestApp, name: &str, text: &str) -> ImportReport {
    let mut r = ImportReport::default();
    let mut c = app.conn();
    assert!(acks::import_text(&mut c, name, text, &mut r).unwrap());
    r
}

async fn history(app: &TestApp, id: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/v1/claims/{id}"),
            medbill::auth::roles::Role::Billing,
        )
        .await;
    r.body["history"].as_array().unwrap().clone()
}

async fn late_999_after_277ca_keeps_accepted(app: TestApp) {
    let id = sent_claim(&app, "L1").await;
    let pcn = claim_field(&app, &id, "patient_control_number");
    let r = import(&app, "a.277", &accepting_277(pcn.as_str().unwrap()));
    assert_eq!(r.accepted, 1, "{r:?}");
    let r = import(&app, "b.999", &ack_999(1, "R"));
    assert_eq!((r.rejected, r.noted), (0, 1), "{r:?}");
    assert_eq!(r.outcomes[0].outcome, "applied");
    assert_eq!(claim_field(&app, &id, "status"), "accepted");
    assert_eq!(
        claim_field(&app, &id, "payer_claim_number"),
        "PAYER0000000002"
    );
    let h = history(&app, &id).await;
    let last = h.last().unwrap();
    assert_eq!(
        (last["from_status"].as_str(), last["to_status"].as_str()),
        (Some("accepted"), Some("accepted"))
    );
    assert!(last["reason"].as_str().unwrap().contains("late"), "{last}");
    assert!(last["codes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"] == "IK5:R"));
    // The interchange records the 999's verdict, and the 999 is kept against it.
    assert_eq!(app.count("interchanges WHERE status = 'rejected'"), 1);
    assert_eq!(
        app.count("acknowledgments WHERE kind = '999' AND interchange_id IS NOT NULL"),
        1
    );
}

async fn rejecting_999_then_277ca(app: TestApp) {
    let id = sent_claim(&app, "L2").await;
    let r = import(&app, "a.999", &ack_999(1, "R"));
    assert_eq!((r.rejected, r.noted), (1, 0), "{r:?}");
    assert_eq!(claim_field(&app, &id, "status"), "rejected");
    let pcn = claim_field(&app, &id, "patient_control_number");
    let r = import(&app, "b.277", &accepting_277(pcn.as_str().unwrap()));
    assert_eq!(r.accepted, 0, "{r:?}");
    assert_eq!(claim_field(&app, &id, "status"), "rejected");
}

async fn accepting_999_then_rejecting_999(app: TestApp) {
    let id = sent_claim(&app, "L3").await;
    let r = import(&app, "a.999", &ack_999(1, "A"));
    assert_eq!(r.rejected, 0, "{r:?}");
    assert_eq!(app.count("interchanges WHERE status = 'accepted'"), 1);
    assert_eq!(claim_field(&app, &id, "status"), "submitted");
    let r = import(&app, "b.999", &ack_999(1, "R"));
    assert_eq!((r.rejected, r.noted), (1, 0), "{r:?}");
    assert_eq!(claim_field(&app, &id, "status"), "rejected");
    assert_eq!(app.count("interchanges WHERE status = 'rejected'"), 1);
}

async fn failures_are_reported_per_file(app: TestApp) {
    let id = sent_claim(&app, "L4").await;
    let inbox = temp_dir("inbox");
    std::fs::write(inbox.join("a.999"), ack_999(77, "R")).unwrap();
    std::fs::write(inbox.join("b.txt"), "not x12").unwrap();
    std::fs::write(inbox.join("c.999"), ack_999(1, "A")).unwrap();
    let r = acks::import_dir(&app.state.pool, &inbox).unwrap();
    let seen: Vec<(&str, &str)> = r
        .outcomes
        .iter()
        .map(|o| (o.file.as_str(), o.outcome))
        .collect();
    assert_eq!(
        seen,
        [
            ("a.999", "unmatched"),
            ("b.txt", "unreadable"),
            ("c.999", "applied")
        ]
    );
    assert!(
        r.outcomes[0].reason.contains("unknown interchange"),
        "{r:?}"
    );
    assert!(r.any_failed());
    assert!(inbox.join("failed/a.999").exists());
    assert!(inbox.join("failed/b.txt").exists());
    assert!(inbox.join("processed/c.999").exists());
    assert_eq!(
        app.count("acknowledgments WHERE kind = '999' AND error LIKE '%unknown interchange%'"),
        1
    );
    assert_eq!(claim_field(&app, &id, "status"), "submitted");
}

on_both_backends!(
    late_999_after_277ca_keeps_accepted,
    rejecting_999_then_277ca,
    accepting_999_then_rejecting_999,
    failures_are_reported_per_file,
);
