//! Diagnosis rules: each fires, and a close case does not.

#![allow(clippy::unwrap_used)]

use super::testkit::*;
use super::{ScrubInput, Severity};

fn with_dx(codes: &[&str]) -> ScrubInput {
    let mut e = clean();
    e.diagnoses = codes.iter().map(|c| c.to_string()).collect();
    for l in &mut e.lines {
        l.diagnosis_pointers = vec![1];
    }
    e
}

fn on(mut e: ScrubInput, dos: chrono::NaiveDate) -> ScrubInput {
    e.date_of_service = dos;
    e.today = dos + chrono::Days::new(5);
    e.coverage.as_mut().unwrap().effective_from = d(2019, 7, 1);
    e
}

#[test]
fn header_is_not_billable_and_lists_billable_children() {
    let f = run(&with_dx(&["E11", "I10"]));
    let hit = one(&f, "icd.not_billable");
    assert_eq!(hit.severity, Severity::Error);
    assert_eq!(hit.path, "/diagnoses/0");
    assert!(
        hit.message.starts_with("E11 is a category header"),
        "{}",
        hit.message
    );
    let s = hit.suggestion.as_deref().unwrap();
    assert!(s.contains("E11.9") && s.contains("E11.8"), "{s}");
    assert!(s.ends_with(", ..."), "{s}");
    assert_eq!(s.split(", ").count(), 6, "five codes and an ellipsis: {s}");
    assert!(hit
        .code_set_version
        .as_deref()
        .unwrap()
        .contains("ICD-10-CM"));
    none(&run(&with_dx(&["E11.9", "I10"])), "icd.not_billable");
}

#[test]
fn subcategory_header_suggests_codes_below_it() {
    let f = run(&with_dx(&["E11.6"]));
    let s = one(&f, "icd.not_billable").suggestion.clone().unwrap();
    assert!(s.contains("E11.65") && s.contains("E11.69"), "{s}");
}

#[test]
fn code_deleted_in_fy2027_is_valid_until_september_30() {
    let before = run(&on(with_dx(&["S23.420A"]), d(2026, 9, 30)));
    none(&before, "icd.not_valid_on_date");
    let after = run(&on(with_dx(&["S23.420A"]), d(2026, 10, 1)));
    let hit = one(&after, "icd.not_valid_on_date");
    assert_eq!(hit.path, "/diagnoses/0");
    assert!(hit.message.contains("2026-09-30"), "{}", hit.message);
    assert!(hit.code_set_version.as_deref().unwrap().contains("FY2027"));
}

#[test]
fn code_new_in_fy2027_is_not_valid_before_october_1() {
    let f = run(&on(with_dx(&["D69.11"]), d(2026, 9, 30)));
    let hit = one(&f, "icd.not_valid_on_date");
    assert!(hit.message.contains("2026-10-01"), "{}", hit.message);
    let f = run(&on(with_dx(&["D69.11"]), d(2026, 10, 1)));
    none(&f, "icd.not_valid_on_date");
    // D69.1 itself becomes a header that day.
    let f = run(&on(with_dx(&["D69.1"]), d(2026, 10, 1)));
    assert!(one(&f, "icd.not_billable")
        .suggestion
        .as_deref()
        .unwrap()
        .contains("D69.11"));
    none(
        &run(&on(with_dx(&["D69.1"]), d(2026, 9, 30))),
        "icd.not_billable",
    );
}

#[test]
fn malformed_and_unknown_codes() {
    let f = run(&with_dx(&["E1$9", "E11.999"]));
    assert_eq!(one(&f, "icd.format").path, "/diagnoses/0");
    assert_eq!(one(&f, "icd.unknown").path, "/diagnoses/1");
    let f = run(&with_dx(&[" e11.9 ", "i10"]));
    assert!(errors(&f).is_empty(), "{f:#?}");
}

#[test]
fn age_edit_from_age_on_the_date_of_service() {
    let mut old = with_dx(&["O80"]);
    old.patient.birth_date = d(1956, 5, 1); // 70 on 2026-05-01
    let hit = run(&old).into_iter().find(|f| f.rule == "icd.age").unwrap();
    assert!(
        hit.message.contains("9 to 64") && hit.message.contains("70"),
        "{}",
        hit.message
    );
    old.patient.birth_date = d(1961, 5, 2); // 64 on 2026-05-01, 65 the next day
    none(&run(&old), "icd.age");
}

#[test]
fn sex_edit_applies_only_before_october_2024() {
    let mut e = with_dx(&["O80"]);
    e.patient.sex = "M".to_string();
    let f = run(&on(e.clone(), d(2024, 9, 30)));
    let hit = one(&f, "icd.sex");
    assert!(hit.message.contains("female"), "{}", hit.message);
    none(&run(&on(e.clone(), d(2024, 10, 1))), "icd.sex");
    e.patient.sex = "F".to_string();
    none(&run(&on(e, d(2024, 9, 30))), "icd.sex");
}

#[test]
fn excludes1_pair_is_an_error_and_excludes2_pair_is_allowed() {
    let f = run(&with_dx(&["E11.9", "E10.9"]));
    let hit = one(&f, "icd.excludes1");
    assert_eq!(hit.path, "/diagnoses/1");
    assert!(
        hit.message.contains("E10.9") && hit.message.contains("E11.9"),
        "{}",
        hit.message
    );
    assert!(
        hit.message.contains("E11"),
        "inherited from E11: {}",
        hit.message
    );
    // I10 carries an Excludes2 note covering I63.9's range: both may be coded.
    none(&run(&with_dx(&["I10", "I63.9"])), "icd.excludes1");
    none(&run(&with_dx(&["E11.9", "I10"])), "icd.excludes1");
}

#[test]
fn excludes1_range_in_an_inherited_note() {
    let f = run(&with_dx(&["O24.410", "E11.9"]));
    assert_eq!(one(&f, "icd.excludes1").path, "/diagnoses/1");
}

#[test]
fn manifestation_code_may_not_be_first() {
    let f = run(&with_dx(&["G63", "E11.42"]));
    let hit = one(&f, "icd.manifestation_first");
    assert_eq!(hit.path, "/diagnoses/0");
    assert!(hit.suggestion.as_deref().unwrap().starts_with("Code first"));
    none(
        &run(&with_dx(&["E11.42", "G63"])),
        "icd.manifestation_first",
    );
}

#[test]
fn external_cause_code_may_not_be_first() {
    let f = run(&with_dx(&["W19.XXXA", "S72.001A"]));
    assert_eq!(one(&f, "icd.external_cause_first").path, "/diagnoses/0");
    none(
        &run(&with_dx(&["S72.001A", "W19.XXXA"])),
        "icd.external_cause_first",
    );
}

#[test]
fn unacceptable_principal_is_flagged_when_first() {
    let f = run(&with_dx(&["B95.0", "J02.8"]));
    let hit = one(&f, "icd.unacceptable_principal");
    assert_eq!(
        (hit.severity, hit.path.as_str()),
        (Severity::Warning, "/diagnoses/0")
    );
    none(
        &run(&with_dx(&["J02.8", "B95.0"])),
        "icd.unacceptable_principal",
    );
}

#[test]
fn repeated_diagnosis() {
    let f = run(&with_dx(&["E11.9", "I10", "e119"]));
    assert_eq!(one(&f, "icd.duplicate").path, "/diagnoses/2");
    none(&run(&with_dx(&["E11.9", "I10", "E11.65"])), "icd.duplicate");
}

#[test]
fn no_diagnoses() {
    let f = run(&with_dx(&[]));
    assert_eq!(one(&f, "encounter.no_diagnoses").path, "/diagnoses");
    none(&run(&with_dx(&["E11.9"])), "encounter.no_diagnoses");
}
