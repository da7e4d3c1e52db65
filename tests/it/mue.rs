//! An imported MUE table reaches the scrubber: units above the limit of a code on a date are an
//! error naming the table, and units within it are not.
#![allow(clippy::unwrap_used)]

use crate::common;

use chrono::NaiveDate;
use common::fixtures::{coded, fixture, id_of};
use common::TestApp;
use medbill::auth::roles::Role;
use medbill::codesets::{CodeTables, MueRow, MueTable};
use serde_json::json;

fn codes_with_mue() -> &'static CodeTables {
    static CODES: std::sync::OnceLock<CodeTables> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let mut tables = CodeTables::load_embedded().unwrap();
        let rows = vec![MueRow {
            code: "36415".into(),
            max_units: 2,
        }];
        let from = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        tables.add_mue(MueTable::new("MUE test table", from, None, rows).unwrap());
        tables
    })
}

async fn units_over_the_limit_are_an_error(app: TestApp) {
    let fx = fixture(&app, "MUE-1").await;
    let mut body = coded(&fx);
    body["lines"] = json!([
        {"code": "36415", "units": 3, "charge_cents": 900, "diagnosis_pointers": [1]},
        {"code": "G0008", "units": 1, "charge_cents": 2500, "diagnosis_pointers": [1]},
    ]);
    let id = id_of(&app.post("/v1/encounters", Role::Billing, &body).await);
    let r = app
        .post(
            &format!("/v1/encounters/{id}/validate"),
            Role::Billing,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let findings = r.body["findings"].as_array().unwrap();
    let mue: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "mue.units")
        .collect();
    assert_eq!(mue.len(), 1, "{}", r.body);
    assert_eq!(mue[0]["path"], "/lines/0/units");
    assert_eq!(mue[0]["code_set_version"], "MUE test table");

    let ok = app
        .patch(
            &format!("/v1/encounters/{id}"),
            Role::Billing,
            &json!({"lines": [{"code": "36415", "units": 2, "charge_cents": 900, "diagnosis_pointers": [1]}]}),
            Some("1"),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let r = app
        .post(
            &format!("/v1/encounters/{id}/validate"),
            Role::Billing,
            &json!({}),
        )
        .await;
    assert!(
        !r.body["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "mue.units"),
        "{}",
        r.body
    );
}

mod units_over_the_limit {
    #[actix_web::test]
    async fn sqlite() {
        super::units_over_the_limit_are_an_error(super::TestApp::sqlite_with(
            super::codes_with_mue(),
        ))
        .await;
    }

    #[actix_web::test]
    async fn postgres() {
        let Some(app) = super::TestApp::postgres_with(super::codes_with_mue()) else {
            return;
        };
        super::units_over_the_limit_are_an_error(app).await;
    }
}
