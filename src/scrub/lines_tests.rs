//! Line rules: each fires, and a close case does not.

#![allow(clippy::unwrap_used)]

use super::testkit::*;
use super::{LineFacts, ScrubInput};

/// The clean encounter with its G0008 line (index 3) changed.
fn edit(f: impl FnOnce(&mut LineFacts)) -> ScrubInput {
    let mut e = clean();
    f(&mut e.lines[3]);
    e
}

#[test]
fn unknown_modifier() {
    let f = run(&edit(|l| l.modifiers = vec!["9Z".into()]));
    let hit = one(&f, "line.modifier_unknown");
    assert_eq!(hit.path, "/lines/3/modifiers/0");
    assert!(hit
        .code_set_version
        .as_deref()
        .unwrap()
        .starts_with("I/OCE"));
    none(
        &run(&edit(|l| l.modifiers = vec!["GA".into()])),
        "line.modifier_unknown",
    );
}

#[test]
fn modifier_not_in_force_on_the_date() {
    let f = run(&edit(|l| l.modifiers = vec!["JG".into()])); // ended 2024-12-31
    assert_eq!(one(&f, "line.modifier_date").path, "/lines/3/modifiers/0");
    let mut e = edit(|l| l.modifiers = vec!["JG".into()]);
    e.date_of_service = d(2024, 6, 3);
    e.today = d(2024, 6, 10);
    e.coverage.as_mut().unwrap().effective_from = d(2024, 1, 1);
    none(&run(&e), "line.modifier_date");
}

#[test]
fn repeated_modifier() {
    let f = run(&edit(|l| l.modifiers = vec!["LT".into(), "lt".into()]));
    assert_eq!(
        one(&f, "line.modifier_repeated").path,
        "/lines/3/modifiers/1"
    );
    none(
        &run(&edit(|l| l.modifiers = vec!["LT".into(), "GA".into()])),
        "line.modifier_repeated",
    );
}

#[test]
fn at_most_four_modifiers() {
    let five = ["GA", "LT", "76", "77", "KX"].map(String::from).to_vec();
    let f = run(&edit(|l| l.modifiers = five.clone()));
    assert_eq!(one(&f, "line.modifier_count").path, "/lines/3/modifiers/4");
    none(
        &run(&edit(|l| l.modifiers = five[..4].to_vec())),
        "line.modifier_count",
    );
}

#[test]
fn units_at_least_one() {
    let f = run(&edit(|l| l.units = 0));
    assert_eq!(one(&f, "line.units").path, "/lines/3/units");
    none(&run(&edit(|l| l.units = 1)), "line.units");
}

#[test]
fn charge_above_zero() {
    let f = run(&edit(|l| l.charge_cents = -250));
    let hit = one(&f, "line.charge");
    assert_eq!(hit.path, "/lines/3/charge_cents");
    assert!(hit.message.contains("-$2.50"), "{}", hit.message);
    assert_eq!(
        one(&run(&edit(|l| l.charge_cents = 0)), "line.charge").path,
        "/lines/3/charge_cents"
    );
    none(&run(&edit(|l| l.charge_cents = 1)), "line.charge");
}

#[test]
fn pointers_present_in_range_and_not_repeated() {
    let f = run(&edit(|l| l.diagnosis_pointers = vec![]));
    assert_eq!(one(&f, "line.pointer").path, "/lines/3/diagnosis_pointers");
    let f = run(&edit(|l| l.diagnosis_pointers = vec![1, 3]));
    let hit = one(&f, "line.pointer");
    assert_eq!(hit.path, "/lines/3/diagnosis_pointers/1");
    assert!(hit.message.contains("has 2 diagnoses"), "{}", hit.message);
    let f = run(&edit(|l| l.diagnosis_pointers = vec![2, 2]));
    assert_eq!(
        one(&f, "line.pointer_repeated").path,
        "/lines/3/diagnosis_pointers/1"
    );
    let f = run(&edit(|l| l.diagnosis_pointers = vec![0]));
    assert_eq!(
        one(&f, "line.pointer").path,
        "/lines/3/diagnosis_pointers/0"
    );
    let ok = run(&edit(|l| l.diagnosis_pointers = vec![2, 1]));
    none(&ok, "line.pointer");
    none(&ok, "line.pointer_repeated");
}

#[test]
fn at_most_four_pointers() {
    let mut e = edit(|l| l.diagnosis_pointers = vec![1, 2, 3, 4, 5]);
    e.diagnoses = ["E11.9", "I10", "E78.5", "Z79.4", "J30.9"]
        .map(String::from)
        .to_vec();
    assert_eq!(
        one(&run(&e), "line.pointer").path,
        "/lines/3/diagnosis_pointers/4"
    );
    e.lines[3].diagnosis_pointers.pop();
    none(&run(&e), "line.pointer");
}

/// 13 distinct, mutually compatible billable diagnoses.
const THIRTEEN: [&str; 13] = [
    "E11.9", "I10", "E78.5", "Z79.4", "J30.9", "M54.50", "K21.9", "F41.9", "G47.00", "R51.9",
    "N39.0", "L40.0", "H52.4",
];

#[test]
fn pointer_past_the_twelfth_diagnosis_and_more_than_twelve_pointed_at() {
    let mut e = clean();
    e.diagnoses = THIRTEEN.map(String::from).to_vec();
    e.lines = (0..4)
        .map(|k| {
            let mut l = line("G0008", &[]);
            l.diagnosis_pointers = (1..=4).map(|p| p + 4 * k).filter(|&p| p <= 13).collect();
            l.date_of_service = None;
            l
        })
        .collect();
    e.mue_max_units = vec![None; 4];
    let f = run(&e);
    let hit = one(&f, "line.pointer");
    assert_eq!(hit.path, "/lines/3/diagnosis_pointers/0");
    assert!(hit.message.contains("first 12"), "{}", hit.message);
    assert_eq!(one(&f, "claim.diagnosis_count").path, "/diagnoses");
    e.lines[3].diagnosis_pointers = vec![12];
    let f = run(&e);
    none(&f, "line.pointer");
    none(&f, "claim.diagnosis_count");
}

#[test]
fn line_date_not_in_the_future() {
    let f = run(&edit(|l| l.date_of_service = Some(d(2026, 5, 11))));
    assert_eq!(one(&f, "dos.future").path, "/lines/3/date_of_service");
    none(
        &run(&edit(|l| l.date_of_service = Some(d(2026, 5, 10)))),
        "dos.future",
    );
}

#[test]
fn line_place_of_service_known() {
    let f = run(&edit(|l| l.place_of_service = Some("00".into())));
    assert_eq!(one(&f, "pos.unknown").path, "/lines/3/place_of_service");
    none(
        &run(&edit(|l| l.place_of_service = Some("81".into()))),
        "pos.unknown",
    );
}

#[test]
fn no_lines() {
    let mut e = clean();
    e.lines.clear();
    e.mue_max_units.clear();
    assert_eq!(one(&run(&e), "encounter.no_lines").path, "/lines");
    none(&run(&clean()), "encounter.no_lines");
}
