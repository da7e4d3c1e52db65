//! Code tables over HTTP: summary, lookups for a date, search, batch validation, reference
//! tables, and bad input.
#![allow(clippy::unwrap_used)]

use crate::common;

use actix_web::test::TestRequest;
use common::TestApp;
use medbill::auth::roles::Role;
use serde_json::json;

#[actix_web::test]
async fn summary_lists_every_bundled_table() {
    let app = TestApp::sqlite();
    let r = app.get("/v1/codesets", Role::Lab).await;
    assert_eq!(r.status, 200);
    let text = r.body.to_string();
    for system in ["icd10cm", "hcpcs", "place_of_service", "specimen_type"] {
        assert!(text.contains(system), "{system} missing from {text}");
    }
    assert!(
        text.contains("74719") || text.contains("74879"),
        "ICD-10-CM counts: {text}"
    );
}

#[actix_web::test]
async fn lookups_take_a_date_and_any_spelling() {
    let app = TestApp::sqlite();
    let header = app
        .get(
            "/v1/codesets/icd10cm/codes/E11?date=2026-05-01",
            Role::Billing,
        )
        .await;
    assert_eq!(header.status, 200, "{}", header.body);
    assert_eq!(header.body["billable"], false);
    assert!(header.body["children"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"] == "E11.9"));
    for spelling in ["E11.9", "e119", "%20e11.9%20"] {
        let r = app
            .get(
                &format!("/v1/codesets/icd10cm/codes/{spelling}?date=2026-05-01"),
                Role::FrontDesk,
            )
            .await;
        assert_eq!(r.status, 200, "{spelling}");
        assert_eq!(r.body["code"], "E11.9");
        assert_eq!(r.body["billable"], true);
    }
    let hcpcs = app
        .get("/v1/codesets/hcpcs/codes/g0008?date=2026-05-01", Role::Lab)
        .await;
    assert_eq!(hcpcs.status, 200, "{}", hcpcs.body);

    let long = app
        .get("/v1/codesets/icd10cm/codes/E11.99999999", Role::Billing)
        .await;
    assert_eq!(long.status, 422);
    assert_eq!(long.body["errors"][0]["pointer"], "{code}");
    let illegal = app
        .get("/v1/codesets/icd10cm/codes/E1$9", Role::Billing)
        .await;
    assert_eq!(illegal.status, 422);
    assert_eq!(
        app.get("/v1/codesets/loinc/codes/1234-5", Role::Billing)
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(
            "/v1/codesets/icd10cm/codes/E11.9?date=tomorrow",
            Role::Billing
        )
        .await
        .status,
        422
    );
}

#[actix_web::test]
async fn search_finds_type_2_diabetes_first() {
    let app = TestApp::sqlite();
    let r = app
        .get(
            "/v1/codesets/icd10cm/search?q=diab%20mel%20typ%202&date=2026-05-01&limit=5",
            Role::Billing,
        )
        .await;
    assert_eq!(r.status, 200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(
        items[0]["code"].as_str().unwrap().starts_with("E11"),
        "{}",
        r.body
    );
    let prefix = app
        .get("/v1/codesets/icd10cm/search?q=E11.6&limit=3", Role::Billing)
        .await;
    assert!(prefix.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["code"].as_str().unwrap().starts_with("E11.6")));
    assert_eq!(
        app.get("/v1/codesets/icd10cm/search?q=&limit=3", Role::Billing)
            .await
            .status,
        422
    );
    assert_eq!(
        app.get("/v1/codesets/icd10cm/search?q=a&limit=1000", Role::Billing)
            .await
            .status,
        422
    );
}

#[actix_web::test]
async fn search_says_why_each_result_matched() {
    let app = TestApp::sqlite();
    let get = |q: &'static str| {
        let app = &app;
        async move {
            let r = app
                .get(
                    &format!("/v1/codesets/icd10cm/search?q={q}&date=2026-05-01&limit=5"),
                    Role::Billing,
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["items"].as_array().unwrap().clone()
        }
    };
    let cad = get("CAD").await;
    assert_eq!(cad[0]["code"], "I25.10");
    assert!(cad[0]["matched"]
        .as_str()
        .unwrap()
        .starts_with("abbreviation: CAD = "));
    let kw = get("kimmelstiel").await;
    assert!(kw[0]["code"].as_str().unwrap().ends_with(".21"), "{kw:?}");
    assert!(kw[0]["matched"]
        .as_str()
        .unwrap()
        .starts_with("inclusion term: "));
    let asthma = get("asthma").await;
    assert_eq!(asthma[0]["code"], "J45.909");
    assert_eq!(asthma[0]["billable"], true);
    let header = get("E11").await;
    assert_eq!(header[0]["code"], "E11.00");
    assert_eq!(header[0]["matched"], "code prefix");
    let typo = get("pnuemonia").await;
    assert!(typo.iter().any(|i| i["code"] == "J18.9"), "{typo:?}");
    assert!(typo.iter().any(|i| i["matched"]
        .as_str()
        .unwrap()
        .contains("spelling corrected")));
}

#[actix_web::test]
async fn batch_validation_answers_per_code() {
    let app = TestApp::sqlite();
    let body = json!({"system": "icd10cm", "date": "2026-05-01", "codes": ["E11.9", "E11", "ZZZ.Z", "E11.9999999"]});
    let r = app
        .post("/v1/codesets/validate", Role::Billing, &body)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["verdict"], "valid");
    assert_eq!(results[0]["billable"], true);
    assert_eq!(results[1]["billable"], false);
    assert_ne!(results[2]["verdict"], "valid");
    assert_ne!(results[3]["verdict"], "valid");
    let bad = app
        .post(
            "/v1/codesets/validate",
            Role::Billing,
            &json!({"system": "snomed", "codes": ["1"]}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["errors"][0]["pointer"], "/system");
    let empty = app
        .post(
            "/v1/codesets/validate",
            Role::Billing,
            &json!({"system": "hcpcs", "codes": []}),
        )
        .await;
    assert_eq!(empty.status, 422);
}

#[actix_web::test]
async fn reference_tables_and_auth() {
    let app = TestApp::sqlite();
    let pos = app
        .get("/v1/codesets/tables/place_of_service", Role::FrontDesk)
        .await;
    assert_eq!(pos.status, 200);
    assert!(pos.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["code"] == "11"));
    assert_eq!(
        app.get("/v1/codesets/tables/colours", Role::FrontDesk)
            .await
            .status,
        404
    );
    let anonymous = app.send(TestRequest::get().uri("/v1/codesets")).await;
    assert_eq!(anonymous.status, 401);
}

/// Answers are kept per date class: dates between the same release dates share one entry and
/// one answer; a date across a release (COVID-19's U07.1 from 2020-04-01) gets its own.
/// `Cache-Control: no-cache` computes the answer again, and it is the same.
#[actix_web::test]
async fn search_answers_are_shared_by_dates_of_one_class() {
    let app = TestApp::sqlite();
    let search = |date: &str| format!("/v1/codesets/icd10cm/search?q=covid&limit=20&date={date}");
    // The same search with a Cache-Control header.
    let refetch = |date: &str, cache_control: &'static str| {
        app.send(
            TestRequest::get()
                .uri(&search(date))
                .insert_header(("cache-control", cache_control))
                .insert_header((
                    "authorization",
                    format!("Bearer {}", app.token(Role::Billing)),
                )),
        )
    };
    let cache = &app.state.search_cache;
    assert!(cache.is_empty());
    let may = app.get(&search("2020-05-15"), Role::Billing).await;
    assert_eq!(may.status, 200);
    assert!(
        may.item_strings("code").contains(&"U07.1".to_string()),
        "{}",
        may.body
    );
    let june = app.get(&search("2020-06-20"), Role::Billing).await;
    assert_eq!(june.raw, may.raw);
    assert_eq!(cache.len(), 1, "one entry for two dates of one quarter");
    let march = app.get(&search("2020-03-15"), Role::Billing).await;
    assert_eq!(march.status, 200);
    assert!(
        !march.item_strings("code").contains(&"U07.1".to_string()),
        "{}",
        march.body
    );
    assert_eq!(cache.len(), 2);
    let fresh = refetch("2020-06-01", "max-age=0, no-cache").await;
    assert_eq!(fresh.raw, may.raw);
    assert_eq!(cache.len(), 2);
    // A stale entry (stood in for here) is served without no-cache and passed over with it.
    let key = medbill::codeset_api::search_cache::SearchKey::new(
        app.state.codes(),
        medbill::codesets::CodeSystem::Icd10cm,
        chrono::NaiveDate::from_ymd_opt(2020, 6, 1).unwrap(),
        20,
        "covid",
    );
    cache.put(key, actix_web::web::Bytes::from_static(b"{\"items\":[]}"));
    let cached = app.get(&search("2020-06-02"), Role::Billing).await;
    assert_eq!(cached.body, json!({"items": []}));
    let fresh = refetch("2020-06-02", "no-cache").await;
    assert_eq!(fresh.raw, may.raw);
}
