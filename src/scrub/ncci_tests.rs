//! NCCI PTP and MUE rules: each fires, and a close case does not.

#![allow(clippy::unwrap_used)]

use super::testkit::*;
use super::{ScrubInput, Severity};

/// 80053 (comprehensive metabolic panel) with a second lab line.
fn panel_with(code: &str, col1_mods: &[&str], col2_mods: &[&str]) -> ScrubInput {
    let mut e = clean();
    e.lines = vec![line("80053", col1_mods), line(code, col2_mods)];
    e.mue_max_units = vec![None; 2];
    e
}

#[test]
fn indicator_0_pair_is_an_error() {
    let f = run(&panel_with("80048", &[], &["59"]));
    let hit = one(&f, "ncci.ptp");
    assert_eq!(
        (hit.severity, hit.path.as_str()),
        (Severity::Error, "/lines/1/code")
    );
    assert!(
        hit.message.contains("80048") && hit.message.contains("80053"),
        "{}",
        hit.message
    );
    assert!(hit.message.contains("indicator 0"), "{}", hit.message);
    assert_eq!(
        hit.code_set_version.as_deref(),
        Some("NCCI PTP (outpatient), I/OCE 27.1.0")
    );
    // The same pair on different dates is not edited.
    let mut e = panel_with("80048", &[], &[]);
    e.lines[1].date_of_service = Some(d(2026, 5, 2));
    none(&run(&e), "ncci.ptp");
}

#[test]
fn indicator_1_pair_without_and_with_xu() {
    let f = run(&panel_with("80047", &[], &[]));
    let hit = one(&f, "ncci.ptp");
    assert_eq!(hit.path, "/lines/1/code");
    let s = hit.suggestion.as_deref().unwrap();
    assert!(
        s.contains("59") && s.contains("XU") && s.contains("line 2"),
        "{s}"
    );
    none(&run(&panel_with("80047", &[], &["XU"])), "ncci.ptp");
    none(&run(&panel_with("80047", &[], &["59"])), "ncci.ptp");
}

#[test]
fn bypass_modifier_on_the_column_1_line_does_not_count() {
    let f = run(&panel_with("80047", &["XU"], &[]));
    let hit = one(&f, "ncci.ptp");
    assert!(hit.message.contains("belongs on line 2"), "{}", hit.message);
}

#[test]
fn only_bypass_modifiers_lift_an_indicator_1_edit() {
    let f = run(&panel_with("80047", &[], &["91"]));
    // 91 (repeat lab test) is an NCCI bypass modifier in the I/OCE list; GA is not.
    none(&f, "ncci.ptp");
    one(&run(&panel_with("80047", &[], &["GA"])), "ncci.ptp");
}

#[test]
fn units_above_the_mue_maximum() {
    let mut e = clean();
    e.mue_max_units = vec![None, Some(1), None, None];
    e.mue_version = Some("MUE 2026Q2 practitioner".into());
    e.lines[1].units = 2;
    let f = run(&e);
    let hit = one(&f, "mue.units");
    assert_eq!(hit.path, "/lines/1/units");
    assert_eq!(
        hit.code_set_version.as_deref(),
        Some("MUE 2026Q2 practitioner")
    );
    e.lines[1].units = 1;
    none(&run(&e), "mue.units");
    e.mue_max_units = vec![None; 4];
    e.lines[1].units = 9;
    none(&run(&e), "mue.units");
}

#[test]
fn units_of_one_code_summed_over_a_day() {
    let mut e = clean();
    e.lines.push(line("36415", &[]));
    e.mue_max_units = vec![None, Some(1), None, None, Some(1)];
    let f = run(&e);
    let hit = one(&f, "mue.units_day");
    assert_eq!(
        (hit.severity, hit.path.as_str()),
        (Severity::Warning, "/lines/4/units")
    );
    e.lines[4].date_of_service = Some(d(2026, 5, 2));
    none(&run(&e), "mue.units_day");
}
