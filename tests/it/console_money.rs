//! Money screens of the console over the in-process app, on SQLite and PostgreSQL: the posted
//! 835 remittances (list and detail with CARC adjustments, patient responsibility and PLB),
//! the unmatched queue and the hand match (422, 412 and 409 shown on the page, nothing posted),
//! refunds of a credit (billing only, a reason, at most the credit) and the statement run.
#![allow(clippy::unwrap_used)]

use medbill::auth::roles::Role;

use crate::claims_fx::{address_billing, assert_ledger_balances, claim_field};
use crate::common::fixtures::fixture;
use crate::common::TestApp;
use crate::console_frontdesk::patient_owing;
use crate::console_support::{location, sign_in, text, user};
use crate::remittance::{era, import, pcn, submitted_claim};

on_both_backends!(
    remittances_and_the_hand_match,
    refunds_and_the_statement_run,
);

fn audited(app: &TestApp, action: &str, resource: &str) -> i64 {
    app.count(&format!(
        "audit_log WHERE action = '{action}' AND resource_type = '{resource}'"
    ))
}

async fn remittances_and_the_hand_match(app: TestApp) {
    let fx = fixture(&app, "CM-1").await;
    address_billing(&app, &fx).await;
    let a = submitted_claim(&app, &fx).await;
    let b = submitted_claim(&app, &fx).await;
    // Claim A posts (CO-45, PR-2 and patient responsibility 20.00); claim B's lines fit none
    // of its own (unmatched queue); PLB L6 adds 1.50 interest.
    let text835 = era(
        801,
        "EFT801",
        "91.5",
        &format!(
            "CLP*{}*1*175*80*20*12*PAYERA*11*1
            NM1*QC*1*DOE*JANE****MI*M1
            SVC*HC:99213:25*125*80**1
            CAS*CO*45*25
            CAS*PR*2*20
            REF*6R*1
            SVC*HC:93000*50*0**1
            CAS*CO*97*50
            CLP*{}*1*175*10**12*PAYERB*11*1
            NM1*QC*1*DOE*JANE****MI*M1
            SVC*HC:99999*125*10**1
            CAS*CO*45*115
            REF*6R*7
            SVC*HC:99998*50*0**1
            CAS*CO*45*50
            REF*6R*8
            PLB*1234567893*20261231*L6:INT1*-1.5",
            pcn(&app, &a),
            pcn(&app, &b)
        ),
    );
    let r = import(&app, &text835, Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rid = r.body["payments"][0]["remittance_id"]
        .as_str()
        .unwrap()
        .to_string();

    // The front desk and the lab see no remittances.
    let desk = sign_in(&app, &user(&app, Role::FrontDesk)).await;
    let lab = sign_in(&app, &user(&app, Role::Lab)).await;
    for b in [&desk, &lab] {
        assert_eq!(b.get("/app/remittances").await.status, 403);
        assert_eq!(b.get("/app/remittances/unmatched").await.status, 403);
        assert_eq!(b.get(&format!("/app/remittances/{rid}")).await.status, 403);
        assert!(!text(&b.get("/app/").await).contains("/app/remittances"));
    }

    let billing = sign_in(&app, &user(&app, Role::Billing)).await;
    let searched = audited(&app, "search", "remittance");
    let html = text(&billing.get("/app/remittances").await);
    assert!(
        html.contains(&format!("href=\"/app/remittances/{rid}\">EFT801<")),
        "{html}"
    );
    assert!(html.contains("AETNA") && html.contains("$91.50") && html.contains("ACH"));
    assert!(html.contains("partially_unmatched"));
    assert_eq!(audited(&app, "search", "remittance"), searched + 1);
    let html = text(&billing.get("/app/remittances?status=posted").await);
    assert!(html.contains("id=\"no-remittances\""), "{html}");

    // The detail: per claim paid, adjusted with group and reason, patient responsibility; PLB.
    let detail = format!("/app/remittances/{rid}");
    let html = text(&billing.get(&detail).await);
    assert!(
        html.contains(&format!("href=\"/app/claims/{a}\"")),
        "{html}"
    );
    assert!(html.contains(">CO-45<") && html.contains(">PR-2<") && html.contains(">CO-97<"));
    assert!(html.contains("<td>$20.00</td>"), "{html}");
    assert!(html.contains("<td>$80.00</td>") && html.contains("<td>$95.00"));
    assert!(html.contains("queued"));
    assert!(
        html.contains("<td>L6</td>") && html.contains("-$1.50"),
        "{html}"
    );
    assert!(html.contains("id=\"balanced\""));
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'read' AND resource_type = 'remittance' AND resource_id = '{rid}'"
        )),
        1
    );

    // The queue shows claim B with its claim offered; reading it is audited as the API's.
    let listed = audited(&app, "list_unmatched", "remittance");
    let html = text(&billing.get("/app/remittances/unmatched").await);
    assert_eq!(audited(&app, "list_unmatched", "remittance"), listed + 1);
    let item = html.split("id=\"item-").nth(1).unwrap()[..36].to_string();
    assert!(html.contains(&format!("value=\"{b}\"")), "{html}");
    let path = format!("/app/remittances/unmatched/{item}/match");
    let ledger = app.count("ledger_entries");

    // Refusals: shown on the queue page beside the item, nothing posted.
    let r = billing
        .post(&path, &[("version", "1"), ("claim_id", b.as_str())])
        .await;
    assert_eq!(r.status, 422, "{}", text(&r));
    let html = text(&r);
    assert!(
        html.contains("id=\"refusal\"") && html.contains("pair them"),
        "{html}"
    );
    assert!(html.contains(&format!("id=\"match-{item}\"")));
    let r = billing
        .post(
            &path,
            &[("version", "1"), ("claim_id", b.as_str()), ("line_0", "1")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("every remitted line must be paired"));
    assert!(text(&r).contains("value=\"1\""));
    let all = [
        ("version", "9"),
        ("claim_id", b.as_str()),
        ("line_0", "1"),
        ("line_1", "2"),
    ];
    let r = billing.post(&path, &all).await;
    assert_eq!(r.status, 412, "{}", text(&r));
    assert!(text(&r).contains("id=\"refusal\""));
    assert_eq!(billing.post_raw(&path, &all[1..]).await.status, 403);
    assert_eq!(desk.post(&path, &all[1..]).await.status, 403);
    assert_eq!(app.count("ledger_entries"), ledger);
    assert_eq!(claim_field(&app, &b, "status"), "submitted");

    // The match: posted as an automatic match would be.
    let mut ok = all;
    ok[0] = ("version", "1");
    let r = billing.post(&path, &ok).await;
    assert_eq!(r.status, 303, "{}", text(&r));
    assert!(app.count("ledger_entries") > ledger);
    assert_ledger_balances(&app);
    assert_ne!(claim_field(&app, &b, "status"), "submitted");
    let html = text(&billing.get(&location(&r)).await);
    assert!(html.contains("Matched and posted") && html.contains("id=\"no-unmatched\""));
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'match' AND resource_id = '{item}'"
        )),
        1
    );
    // Again: 409, said on the page.
    let r = billing.post(&path, &ok).await;
    assert_eq!(r.status, 409, "{}", text(&r));
    assert!(text(&r).contains("already matched"));
    let html = text(&billing.get(&detail).await);
    assert!(html.contains("id=\"remit-status\">posted<"), "{html}");
    assert!(
        html.contains(&format!("href=\"/app/claims/{b}\"")) && html.contains("matched by hand")
    );
}

async fn refunds_and_the_statement_run(app: TestApp) {
    let patient = patient_owing(&app, "CM-2").await;
    let desk = sign_in(&app, &user(&app, Role::FrontDesk)).await;
    let billing = sign_in(&app, &user(&app, Role::Billing)).await;

    // The run: billing and admin only; the API's field rules; its result.
    assert_eq!(desk.get("/app/statements/run").await.status, 403);
    assert!(!text(&desk.get("/app/").await).contains("/app/statements/run"));
    assert!(text(&billing.get("/app/").await).contains("/app/statements/run"));
    let form = text(&billing.get("/app/statements/run").await);
    assert!(form.contains("<label for=\"min_balance\">"), "{form}");
    let run = |min: &'static str, days: &'static str| {
        [
            ("min_balance", min),
            ("min_days_between", days),
            ("due_in_days", "30"),
        ]
    };
    assert_eq!(
        desk.post("/app/statements/run", &run("5", "30"))
            .await
            .status,
        403
    );
    let r = billing
        .post("/app/statements/run", &run("lots", "30"))
        .await;
    assert_eq!(r.status, 422, "{}", text(&r));
    assert!(text(&r).contains("/min_balance_cents"));
    let r = billing.post("/app/statements/run", &run("5", "400")).await;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("/min_days_between"));
    assert_eq!(app.count("statements"), 0);
    // 30.00 owed: under a 50.00 minimum, made with a 5.00 one, then passed over as recent.
    let r = billing.post("/app/statements/run", &run("50", "30")).await;
    assert_eq!(r.status, 200, "{}", text(&r));
    assert!(text(&r)
        .contains("0 statement(s) made; 0 patient(s) passed over for a recent statement, 1 under"));
    let r = billing
        .post("/app/statements/run", &run("5.00", "30"))
        .await;
    let html = text(&r);
    assert!(html.contains("1 statement(s) made"), "{html}");
    assert!(html.contains(&format!("/app/patients/{patient}/account")) && html.contains("$30.00"));
    assert_eq!(app.count("statements"), 1);
    assert_eq!(audited(&app, "create", "statement"), 1);
    let r = billing.post("/app/statements/run", &run("5", "30")).await;
    assert!(text(&r).contains("0 statement(s) made; 1 patient(s) passed over for a recent"));
    assert_eq!(app.count("statements"), 1);

    // A 50.00 payment leaves a 20.00 credit.
    let account = format!("/app/patients/{patient}/account");
    let html = text(&billing.get(&account).await);
    assert!(html.contains("id=\"no-credit\""), "{html}");
    let r = desk
        .post(
            &format!("/app/patients/{patient}/payments"),
            &[("amount", "50"), ("method", "cash")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));

    // Refunds: not the front desk's; a reason; at most the credit.
    let refund = format!("/app/patients/{patient}/refunds");
    assert!(!text(&desk.get(&account).await).contains("id=\"refund-form\""));
    let give = |amount: &'static str, reason: &'static str| {
        [
            ("amount", amount),
            ("method", "check"),
            ("channel", "mail"),
            ("reference", "2001"),
            ("reason", reason),
        ]
    };
    assert_eq!(
        desk.post(&refund, &give("20", "overpaid")).await.status,
        403
    );
    let html = text(&billing.get(&account).await);
    assert!(
        html.contains("id=\"refund-form\"") && html.contains("at most $20.00"),
        "{html}"
    );
    let r = billing.post(&refund, &give("20", " ")).await;
    assert_eq!(r.status, 422, "{}", text(&r));
    assert!(text(&r).contains("/reason"));
    let r = billing.post(&refund, &give("25", "overpaid")).await;
    assert_eq!(r.status, 409, "{}", text(&r));
    assert!(text(&r).contains("credit is 2000 cents"));
    assert_eq!(
        billing.post_raw(&refund, &give("20", "x")).await.status,
        403
    );
    assert_eq!(app.count("patient_payments WHERE kind = 'refund'"), 0);
    let r = billing
        .post(&refund, &give("$20.00", "overpaid visit"))
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    assert_eq!(
        app.count("patient_payments WHERE kind = 'refund' AND amount_cents = 2000"),
        1
    );
    assert_eq!(audited(&app, "refund", "patient_payment"), 1);
    let html = text(&billing.get(&location(&r)).await);
    assert!(html.contains("Refund of $20.00 recorded"), "{html}");
    assert!(html.contains("Credit on account: $0.00") && html.contains("overpaid visit"));
    assert!(html.contains("id=\"no-credit\""));
}
