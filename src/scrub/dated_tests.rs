//! Edits defined by period are applied as in force on the date of service: for each change date
//! in the bundled MCE and I/OCE data, the day before and the day of. Findings name the release.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use super::testkit::*;
use super::{Finding, ScrubInput};

/// One diagnosis (all lines point at it) for a patient born on `birth` of sex `sex`, on `dos`.
fn visit(dx: &str, birth: NaiveDate, sex: &str, dos: NaiveDate) -> Vec<Finding> {
    let mut e: ScrubInput = clean();
    e.diagnoses = vec![dx.to_string()];
    for l in &mut e.lines {
        l.diagnosis_pointers = vec![1];
    }
    e.patient.birth_date = birth;
    e.patient.sex = sex.to_string();
    e.date_of_service = dos;
    e.today = dos + chrono::Days::new(5);
    e.coverage.as_mut().unwrap().effective_from = d(2015, 1, 1);
    run(&e)
}

fn version(f: &[Finding], rule: &str) -> String {
    one(f, rule).code_set_version.clone().unwrap()
}

#[test]
fn maternity_age_bounds_before_and_from_fy2020() {
    // Before FY2020 the MCE maternity group was 12-55; from 2019-10-01 it is 9-64.
    let ten = d(2009, 6, 1);
    let sixty = d(1959, 6, 1);
    for birth in [ten, sixty] {
        let before = visit("O09.90", birth, "F", d(2019, 9, 30));
        let hit = one(&before, "icd.age");
        assert!(hit.message.contains("aged 12 to 55"), "{}", hit.message);
        assert_eq!(version(&before, "icd.age"), "CMS MCE v36 (FY2019)");
        none(&visit("O09.90", birth, "F", d(2019, 10, 1)), "icd.age");
    }
    let eight = visit("O09.90", d(2011, 6, 1), "F", d(2019, 10, 1));
    assert!(one(&eight, "icd.age").message.contains("aged 9 to 64"));
    assert_eq!(version(&eight, "icd.age"), "CMS MCE v37 (FY2020)");
}

#[test]
fn age_group_added_to_a_code_mid_year() {
    // Z02.84 joined the pediatric group on 2024-04-01; Z05.0 the newborn group on 2018-10-01.
    let adult = d(1990, 1, 1);
    none(&visit("Z02.84", adult, "F", d(2024, 3, 31)), "icd.age");
    let f = visit("Z02.84", adult, "F", d(2024, 4, 1));
    assert_eq!(
        version(&f, "icd.age"),
        "CMS MCE v41.1 (FY2024, April 1 2024 update)"
    );
    none(&visit("Z05.0", adult, "M", d(2018, 9, 30)), "icd.age");
    assert_eq!(
        version(&visit("Z05.0", adult, "M", d(2018, 10, 1)), "icd.age"),
        "CMS MCE v36 (FY2019)"
    );
}

#[test]
fn sex_edits_follow_their_periods() {
    let adult = d(1980, 1, 1);
    // A18.16 was female-only until CMS dropped the sex edits on 2024-10-01.
    let f = visit("A18.16", adult, "M", d(2024, 9, 30));
    assert_eq!(
        version(&f, "icd.sex"),
        "CMS MCE v41.1 (FY2024, April 1 2024 update)"
    );
    none(&visit("A18.16", adult, "M", d(2024, 10, 1)), "icd.sex");
    // B37.42 became male-only on 2017-10-01.
    none(&visit("B37.42", adult, "F", d(2017, 9, 30)), "icd.sex");
    assert_eq!(
        version(&visit("B37.42", adult, "F", d(2017, 10, 1)), "icd.sex"),
        "CMS MCE v35 (FY2018)"
    );
}

#[test]
fn manifestation_and_principal_lists_follow_their_periods() {
    let adult = d(1980, 1, 1);
    // M02.80 became a manifestation code on 2016-10-01.
    none(
        &visit("M02.80", adult, "F", d(2016, 9, 30)),
        "icd.manifestation_first",
    );
    let f = visit("M02.80", adult, "F", d(2016, 10, 1));
    assert_eq!(
        version(&f, "icd.manifestation_first"),
        "CMS MCE v34 (FY2017)"
    );
    // B95.0 joined the unacceptable-principal list on 2017-10-01; F07.81 left it on 2026-04-01.
    none(
        &visit("B95.0", adult, "F", d(2017, 9, 30)),
        "icd.unacceptable_principal",
    );
    one(
        &visit("B95.0", adult, "F", d(2017, 10, 1)),
        "icd.unacceptable_principal",
    );
    let f = visit("F07.81", adult, "F", d(2026, 3, 31));
    assert_eq!(
        version(&f, "icd.unacceptable_principal"),
        "CMS MCE v43 (FY2026)"
    );
    none(
        &visit("F07.81", adult, "F", d(2026, 4, 1)),
        "icd.unacceptable_principal",
    );
}

#[test]
fn modifier_list_follows_its_periods() {
    // JZ entered the I/OCE modifier list on 2023-01-01.
    let with_jz = |dos: NaiveDate| {
        let mut e = clean();
        e.lines[3].modifiers = vec!["JZ".into()];
        e.date_of_service = dos;
        e.today = dos + chrono::Days::new(5);
        e.coverage.as_mut().unwrap().effective_from = d(2015, 1, 1);
        run(&e)
    };
    let before = with_jz(d(2022, 12, 31));
    assert!(version(&before, "line.modifier_date").starts_with("I/OCE"));
    none(&with_jz(d(2023, 1, 1)), "line.modifier_date");
}
