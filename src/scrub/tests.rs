//! Whole-encounter tests: a clean encounter, ordering, determinism and the JSON shape.

#![allow(clippy::unwrap_used)]

use super::testkit::*;
use super::Severity;

#[test]
fn clean_encounter_has_only_the_cpt_not_loaded_warnings() {
    let f = run(&clean());
    assert!(errors(&f).is_empty(), "{f:#?}");
    let got: Vec<_> = f
        .iter()
        .map(|x| (x.rule.as_str(), x.path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("cpt.not_loaded", "/lines/0/code"),
            ("cpt.not_loaded", "/lines/1/code"),
            ("cpt.not_loaded", "/lines/2/code"),
        ]
    );
}

#[test]
fn clean_hcpcs_only_encounter_has_no_findings() {
    let mut e = clean();
    e.lines = vec![line("G0008", &[]), line("G0009", &[])];
    e.lines[1].diagnosis_pointers = vec![2, 1];
    e.mue_max_units = vec![None; 2];
    e.referring_provider = e.rendering_provider.clone();
    assert_eq!(run(&e), []);
}

#[test]
fn errors_first_then_warnings_each_in_document_order() {
    let mut e = clean();
    e.coverage.as_mut().unwrap().timely_filing_days = 20; // deadline 2026-05-21: warning
    e.diagnoses = vec!["E11".into(), "B95.0".into()];
    e.lines[0].units = 0;
    e.lines[10 % 4].modifiers = vec!["9Z".into()];
    e.billing_provider.as_mut().unwrap().tax_id = None;
    let f = run(&e);
    let got: Vec<_> = f
        .iter()
        .map(|x| (x.severity, x.rule.as_str(), x.path.as_str()))
        .collect();
    use Severity::*;
    assert_eq!(
        got,
        [
            (Error, "provider.tax_id", "/billing_provider_id"),
            (Error, "icd.not_billable", "/diagnoses/0"),
            (Error, "line.units", "/lines/0/units"),
            (Error, "line.modifier_unknown", "/lines/2/modifiers/0"),
            (Warning, "timely_filing", "/date_of_service"),
            (Warning, "cpt.not_loaded", "/lines/0/code"),
            (Warning, "cpt.not_loaded", "/lines/1/code"),
            (Warning, "cpt.not_loaded", "/lines/2/code"),
        ]
    );
}

#[test]
fn lines_sort_numerically_not_as_text() {
    let mut e = clean();
    e.lines = (0..12).map(|_| line("G0008", &[])).collect();
    e.mue_max_units = vec![None; 12];
    e.lines[10].units = 0;
    e.lines[2].units = 0;
    let paths: Vec<_> = run(&e).into_iter().map(|f| f.path).collect();
    assert_eq!(paths, ["/lines/2/units", "/lines/10/units"]);
}

#[test]
fn same_input_same_findings() {
    let mut e = clean();
    e.diagnoses = vec!["E11".into(), "E10.9".into(), "E11.9".into()];
    assert_eq!(run(&e), run(&e));
}

#[test]
fn json_shape_leaves_out_absent_fields() {
    let mut e = clean();
    e.lines[3].units = 0;
    let f = run(&e);
    let units = one(&f, "line.units");
    let v = serde_json::to_value(units).unwrap();
    assert_eq!(v["severity"], "error");
    assert_eq!(v["path"], "/lines/3/units");
    assert!(v.get("code_set_version").is_none() && v.get("suggestion").is_none());
    let cpt = serde_json::to_value(&f[1]).unwrap();
    assert_eq!(cpt["rule"], "cpt.not_loaded");
    assert!(cpt["code_set_version"].is_string());
}
