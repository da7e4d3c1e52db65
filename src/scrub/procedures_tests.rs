//! Procedure code rules: each fires, and a close case does not.

#![allow(clippy::unwrap_used)]

use super::testkit::*;
use super::{scrub, ScrubInput, Severity};
use crate::codesets::{parse_code_tab_file, CodeSystem, CodeTables, Overlay};

fn with_line(code: &str) -> ScrubInput {
    let mut e = clean();
    e.lines = vec![line(code, &[])];
    e.mue_max_units = vec![None];
    e
}

#[test]
fn malformed_procedure_code() {
    let f = run(&with_line("9921X"));
    let hit = one(&f, "line.code_format");
    assert_eq!(hit.path, "/lines/0/code");
    none(&run(&with_line("99213")), "line.code_format");
}

#[test]
fn unknown_hcpcs_code() {
    let f = run(&with_line("A0001"));
    assert_eq!(one(&f, "hcpcs.unknown").path, "/lines/0/code");
    let f = run(&with_line("Z9999"));
    assert!(one(&f, "line.code_format").message.contains("A-V"));
    assert!(run(&with_line("G0008")).is_empty());
}

#[test]
fn hcpcs_code_ended_before_the_date() {
    let mut e = with_line("A9155"); // ended 2025-03-31
    e.coverage.as_mut().unwrap().effective_from = d(2025, 1, 1);
    e.date_of_service = d(2025, 4, 1);
    e.today = d(2025, 4, 10);
    let hit = one(&run(&e), "hcpcs.not_valid_on_date").clone();
    assert!(hit.message.contains("2025-03-31"), "{}", hit.message);
    assert!(hit.code_set_version.unwrap().starts_with("HCPCS"));
    e.date_of_service = d(2025, 3, 31);
    none(&run(&e), "hcpcs.not_valid_on_date");
}

#[test]
fn hcpcs_age_range() {
    let mut e = with_line("E0602"); // manual breast pump: ages 9-64
    e.patient.birth_date = d(1950, 1, 1);
    assert_eq!(one(&run(&e), "hcpcs.age").path, "/lines/0/code");
    e.patient.birth_date = d(1990, 1, 1);
    none(&run(&e), "hcpcs.age");
}

#[test]
fn cpt_is_a_warning_while_no_cpt_table_is_loaded() {
    let f = run(&with_line("99213"));
    let hit = one(&f, "cpt.not_loaded");
    assert_eq!(hit.severity, Severity::Warning);
    assert!(
        hit.message.contains("CPT table not loaded"),
        "{}",
        hit.message
    );
    let f = run(&with_line("0999F"));
    let hit = one(&f, "cpt.not_loaded");
    assert!(hit.message.contains("in no NCCI edit"), "{}", hit.message);
    assert!(errors(&f).is_empty(), "{f:#?}");
}

#[test]
fn imported_cpt_release_replaces_the_warning() {
    let mut t = CodeTables::load_embedded().unwrap();
    let rows =
        parse_code_tab_file("99213\tOffice visit, established patient (licensed text)\n").unwrap();
    t.add_overlay(
        Overlay::new(
            CodeSystem::Cpt,
            "CPT 2026 (licensed)",
            d(2026, 1, 1),
            None,
            true,
            rows,
        )
        .unwrap(),
    );
    let f = scrub(&with_line("99213"), &t);
    assert!(f.is_empty(), "{f:#?}");
    let f = scrub(&with_line("80053"), &t);
    let hit = one(&f, "cpt.not_valid_on_date");
    assert_eq!(hit.code_set_version.as_deref(), Some("CPT 2026 (licensed)"));
}

#[test]
fn dates_before_the_bundled_tables_are_a_warning() {
    let mut e = with_line("G0008");
    e.date_of_service = d(2019, 6, 28);
    e.today = d(2019, 7, 2);
    e.coverage.as_mut().unwrap().effective_from = d(2019, 1, 1);
    let f = run(&e);
    assert_eq!(
        one(&f, "code.outside_bundled_dates").severity,
        Severity::Warning
    );
    e.date_of_service = d(2019, 7, 1);
    assert!(run(&e).is_empty());
}
