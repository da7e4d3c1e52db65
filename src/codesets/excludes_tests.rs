//! Excludes1 items that name codes by a pattern, against the bundled April 2026 tabular: one case
//! per shape that fires and a near-miss twin that must not.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn conflict(a: &str, b: &str) -> bool {
    CodeTables::embedded()
        .unwrap()
        .excludes1_conflict(a, b, d(2026, 5, 1))
        .unwrap()
        .is_some()
}

/// The codes the one patterned item in the notes of `at` denotes on `date`.
fn denotes(at: &str, date: NaiveDate) -> Vec<String> {
    let t = CodeTables::embedded().unwrap();
    let found: Vec<_> = t
        .excludes1_patterns(date)
        .into_iter()
        .filter(|p| p.at.as_str() == at)
        .collect();
    assert_eq!(found.len(), 1, "one patterned item at {at}");
    found[0]
        .codes
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

/// `fires` conflicts with `with`, and `twin` (one character away) does not.
fn pair(with: &str, fires: &str, twin: &str) {
    assert!(conflict(with, fires), "{with} + {fires} should conflict");
    assert!(conflict(fires, with), "{fires} + {with}: either order");
    assert!(!conflict(with, twin), "{with} + {twin} must not conflict");
}

#[test]
fn pattern_shapes_in_the_april_2026_tabular() {
    let t = CodeTables::embedded().unwrap();
    let found = t.excludes1_patterns(d(2026, 4, 1));
    let mut by_shape: BTreeMap<Shape, usize> = BTreeMap::new();
    for p in &found {
        *by_shape.entry(p.shape).or_default() += 1;
        assert!(
            !p.codes.is_empty(),
            "{} \"{}\" denotes no code",
            p.at.as_str(),
            p.note
        );
    }
    let got: Vec<(Shape, usize)> = by_shape.into_iter().collect();
    assert_eq!(
        got,
        vec![
            (Shape::Ending, 10),
            (Shape::EndingRange, 2),
            (Shape::EndingPrefix, 3),
            (Shape::NthCharacter, 17),
            (Shape::NthToMthCharacters, 1),
            (Shape::SeventhCharacter, 4),
            (Shape::OpenFracture7th, 1),
            (Shape::FinalCharacters, 10),
        ]
    );
    let g545 = found.iter().find(|p| p.at.as_str() == "G545").unwrap();
    let codes: Vec<&str> = g545.codes.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, ["E0844", "E0944", "E1044", "E1144", "E1344"]);
}

#[test]
fn ending_after_the_dot() {
    pair("G54.5", "E11.44", "E11.43");
    pair("L92.1", "E10.620", "E10.621");
}

#[test]
fn range_of_endings() {
    pair("I73.89", "E11.51", "E11.59");
    assert!(conflict("I73.89", "E13.52"));
}

#[test]
fn ending_and_everything_below_it() {
    pair("L99", "E11.628", "E11.630");
    pair("M14.60", "E09.618", "E09.620");
}

#[test]
fn nth_character() {
    pair("J17", "A37.01", "A37.00");
    // V00 also excludes all of V01-V09 and S33 all of M51.-: the twins are checked on the
    // patterns' own expansions.
    assert!(conflict("V00.118A", "V01.01XA"));
    let v = denotes("V00118", d(2026, 5, 1));
    assert!(v.contains(&"V0101XA".to_string()) && v.contains(&"V0391XA".to_string()));
    assert!(!v.contains(&"V0100XA".to_string()) && !v.contains(&"V0102XA".to_string()));
    pair("R41.3", "F10.26", "F10.27");
    pair("G02", "B27.02", "B27.09");
    pair("S23.0XXA", "M51.24", "M51.25");
    let m = denotes("S330", d(2026, 5, 1));
    assert!(m.contains(&"M5126".to_string()) && !m.contains(&"M5127".to_string()));
}

#[test]
fn nth_to_mth_characters() {
    pair("R44.0", "F11.151", "F11.150");
}

#[test]
fn unparenthesised_note_with_a_pattern() {
    // C91 also excludes Z85.6 outright; the twin is checked on the pattern's expansion.
    assert!(conflict("Z85.6", "C91.01") && conflict("Z85.6", "C95.91"));
    let z = denotes("Z856", d(2026, 5, 1));
    assert!(z.contains(&"C9101".to_string()) && z.contains(&"C9591".to_string()));
    assert!(!z.contains(&"C9100".to_string()) && !z.contains(&"C9602".to_string()));
}

#[test]
fn seventh_character() {
    pair("S01.01XA", "S02.0XXB", "S02.0XXA");
    pair("F07.81", "S06.0X0A", "S06.0X0D");
}

#[test]
fn open_fracture_seventh_characters_come_from_the_category() {
    pair("S51.011A", "S52.001B", "S52.001A");
    for seventh in ["C", "E", "F", "H", "J", "M", "N", "Q", "R"] {
        assert!(
            conflict("S51.011A", &format!("S52.001{seventh}")),
            "{seventh}"
        );
    }
    for seventh in ["D", "G", "K", "P", "S"] {
        assert!(
            !conflict("S51.011A", &format!("S52.001{seventh}")),
            "{seventh}"
        );
    }
}

#[test]
fn final_characters() {
    pair("R47.01", "I69.320", "I69.321");
    pair("R48.2", "I69.990", "I69.998");
}

#[test]
fn ranges_joined_by_and_and_a_stray_dot() {
    pair("T88.7XXA", "T80.1XXA", "T88.9XXA");
    pair("Z72.4", "F98.21", "F98.4");
}

#[test]
fn a_pattern_denotes_only_codes_in_force_on_the_date() {
    // M51.36 (lumbar disc degeneration) was split into M51.360-M51.369 on 2024-10-01: the
    // pattern "M51.- with fifth character 6" denotes the codes in force on each side.
    let before = denotes("S330", d(2024, 9, 30));
    let after = denotes("S330", d(2024, 10, 1));
    assert!(before.contains(&"M5136".to_string()) && !before.contains(&"M51360".to_string()));
    assert!(!after.contains(&"M5136".to_string()) && after.contains(&"M51360".to_string()));
}
