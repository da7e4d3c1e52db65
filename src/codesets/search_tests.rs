//! Search behaviour on the bundled tables (issue 14): folding, dates, codes, HCPCS, reasons.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use crate::codesets::{CodeSystem, CodeTables, MatchReason};

fn tables() -> &'static CodeTables {
    CodeTables::embedded().unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn codes(system: CodeSystem, q: &str, date: NaiveDate, n: usize) -> Vec<String> {
    tables()
        .search(system, q, date, n)
        .iter()
        .map(|h| h.code.display(system))
        .collect()
}

#[test]
fn british_spellings_plurals_and_word_order_find_the_same_code() {
    let d = day(2026, 5, 1);
    for q in ["Haemorrhoids", "hemorrhoid", "hemorrhoids"] {
        assert_eq!(codes(CodeSystem::Icd10cm, q, d, 3)[0], "K64.9", "{q}");
    }
    assert_eq!(codes(CodeSystem::Icd10cm, "pain chest", d, 1), ["R07.9"]);
}

#[test]
fn generic_terms_give_the_unspecified_billable_code_and_keep_the_header() {
    let hits = tables().search(CodeSystem::Icd10cm, "asthma", day(2026, 5, 1), 20);
    assert_eq!(hits[0].code.as_str(), "J45909");
    assert!(hits[0].billable);
    assert!(hits.iter().any(|h| h.code.as_str() == "J45" && !h.billable));
    let first_header = hits.iter().position(|h| !h.billable).unwrap();
    assert!(first_header > 0, "billable codes come before headers");
}

#[test]
fn only_codes_in_use_on_the_date_are_found() {
    let before = codes(CodeSystem::Icd10cm, "covid", day(2019, 12, 1), 20);
    assert!(!before.contains(&"U07.1".to_string()), "{before:?}");
    let after = codes(CodeSystem::Icd10cm, "covid", day(2026, 5, 1), 20);
    assert_eq!(after[0], "U07.1");
}

#[test]
fn a_header_lists_its_billable_codes_in_code_order() {
    let hits = tables().search(CodeSystem::Icd10cm, "e11.6", day(2026, 5, 1), 30);
    assert!(hits.len() > 10);
    assert!(hits
        .iter()
        .all(|h| h.billable && h.matched == MatchReason::CodePrefix));
    assert!(hits.windows(2).all(|w| w[0].code < w[1].code));
    let full = tables().search(CodeSystem::Icd10cm, "J45.909", day(2026, 5, 1), 3);
    assert_eq!(full[0].matched, MatchReason::Code);
}

#[test]
fn hcpcs_descriptors_match_abbreviated_words_and_typos_are_flagged() {
    let d = day(2026, 5, 1);
    let flu = codes(CodeSystem::Hcpcs, "influenza vaccine administration", d, 5);
    assert!(flu.contains(&"G0008".to_string()), "{flu:?}");
    let hits = tables().search(CodeSystem::Icd10cm, "hypertenson", d, 10);
    assert!(hits.iter().any(|h| matches!(
        h.matched,
        MatchReason::Title { typo: true }
            | MatchReason::InclusionTerm { typo: true, .. }
            | MatchReason::IncludesNote { typo: true, .. }
    )));
    assert!(hits.iter().any(|h| h.code.as_str() == "I10"), "{hits:?}");
    // Four-letter words get no typo allowance.
    assert!(codes(CodeSystem::Icd10cm, "gotu", d, 5).is_empty());
}

#[test]
fn reasons_name_the_inclusion_term_or_table_row() {
    let d = day(2026, 5, 1);
    let hits = tables().search(CodeSystem::Icd10cm, "heart attack", d, 5);
    assert_eq!(hits[0].code.as_str(), "I219");
    assert_eq!(
        hits[0].matched.describe(CodeSystem::Icd10cm),
        "lay term: heart attack = acute myocardial infarction"
    );
    let kw = tables().search(CodeSystem::Icd10cm, "kimmelstiel wilson", d, 5);
    match kw[0].matched {
        MatchReason::InclusionTerm { text, .. } => assert!(text.contains("Kimmelstiel")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn default_child_points_computed_at_load_equal_the_titles_points() {
    // `default_child` reads `general` instead of scoring titles per query (issue 17): the
    // clamp to i8 must never bite.
    let t = tables();
    for (i, n) in t.icd.nodes.iter().enumerate() {
        let p = crate::codesets::rank::general_points(t.icd.title(n).unwrap_or(""));
        assert_eq!(i32::from(t.icd_docs.general[i]), p, "{}", n.code.as_str());
    }
}

/// What a search answers (code, title, billable, why) as text, for comparing two dates.
fn answer(system: CodeSystem, q: &str, date: NaiveDate) -> Vec<String> {
    tables()
        .search(system, q, date, 20)
        .iter()
        .map(|h| {
            format!(
                "{} {:?} {} {}",
                h.code.display(system),
                h.title,
                h.billable,
                h.matched.describe(system)
            )
        })
        .collect()
}

/// The search cache shares an answer between the dates of one class
/// (`CodeTables::date_class`): walk every day from before the first bundled release to past the
/// newest and check that an answer changes only where the class does. A date rule the classes
/// do not know of would fail here. Queries chosen to touch codes added, ended and re-titled over
/// the years (ICD-10-CM and HCPCS).
#[test]
fn searches_change_only_with_the_date_class() {
    let t = tables();
    let queries = [
        (CodeSystem::Icd10cm, "covid"),
        (CodeSystem::Icd10cm, "vaping"),
        (CodeSystem::Icd10cm, "E11.6"),
        (CodeSystem::Icd10cm, "U0"),
        (CodeSystem::Hcpcs, "influenza vaccine"),
        (CodeSystem::Hcpcs, "G20"),
    ];
    let mut day = day(2015, 6, 1);
    let last = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let mut before: Option<(crate::codesets::DateClass, Vec<Vec<String>>)> = None;
    let (mut classes, mut changes) = (0, 0);
    while day <= last {
        let class = t.date_class(day);
        let answers: Vec<Vec<String>> = queries.iter().map(|(s, q)| answer(*s, q, day)).collect();
        match &before {
            Some((c, a)) if *c == class => {
                assert_eq!(
                    *a, answers,
                    "same class as the day before, other answers: {day}"
                );
            }
            Some((_, a)) => {
                classes += 1;
                changes += usize::from(*a != answers);
            }
            None => {}
        }
        before = Some((class, answers));
        day = day.succ_opt().unwrap();
    }
    // The walk crossed the yearly releases and saw the answers change at some of them.
    assert!(classes >= 12, "{classes} class changes");
    assert!(changes >= 5, "{changes} answer changes");
}
