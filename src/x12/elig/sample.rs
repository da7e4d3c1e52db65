//! A sample inquiry for tests and benchmarks.

use chrono::NaiveDate;

use super::write270::{Inquiry, InquiryPerson, InquiryProvider};

/// An inquiry for subscriber JANE DOE (member W123456789) at ACME HEALTH, office visit and plan
/// coverage on 2026-12-01; with `dependent`, the patient is her child LILY.
pub fn inquiry(dependent: bool) -> Inquiry {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    Inquiry {
        control_number: 1,
        reference: "ELIGREF".into(),
        trace_number: "TRACE0001".into(),
        trace_originator: "9MEDBILL00".into(),
        payer_name: "Acme Health".into(),
        payer_id: "ACME01".into(),
        provider: InquiryProvider {
            organization: true,
            name: "Main Street Clinic".into(),
            first_name: None,
            npi: "1234567893".into(),
        },
        subscriber: InquiryPerson {
            last_name: "Doe".into(),
            first_name: Some("Jane".into()),
            member_id: Some("W123456789".into()),
            group_number: Some("GRP100".into()),
            birth_date: Some(day(1980, 1, 15)),
            sex: Some("F".into()),
        },
        dependent: dependent.then(|| {
            (
                InquiryPerson {
                    last_name: "Doe".into(),
                    first_name: Some("Lily".into()),
                    member_id: None,
                    group_number: None,
                    birth_date: Some(day(2015, 3, 2)),
                    sex: Some("F".into()),
                },
                "19".to_string(),
            )
        }),
        date: day(2026, 12, 1),
        service_types: vec!["30".into(), "98".into()],
    }
}
