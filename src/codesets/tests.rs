//! Checks of the loaded tables against the counts and facts of their sources.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use super::*;

fn tables() -> &'static CodeTables {
    CodeTables::embedded().unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn icd(code: &str, date: NaiveDate) -> CodeInfo<'static> {
    tables()
        .lookup(CodeSystem::Icd10cm, code, date)
        .unwrap()
        .unwrap()
}

fn billable_icd_on(date: u32) -> usize {
    let t = tables();
    t.icd
        .nodes
        .iter()
        .filter(|n| {
            t.lookup_code(CodeSystem::Icd10cm, n.code, date)
                .is_some_and(|i| i.billable && i.status == Status::Valid)
        })
        .count()
}

#[test]
fn counts_match_the_sources() {
    let t = tables();
    assert_eq!(
        billable_icd_on(20260401),
        74_719,
        "billable ICD-10-CM codes on 2026-04-01"
    );
    assert_eq!(
        billable_icd_on(20261001),
        74_879,
        "ICD-10-CM codes valid on 2026-10-01 (FY2027)"
    );
    assert_eq!(
        t.hcpcs.count_on(20260401),
        8_256,
        "HCPCS Level II codes at I/OCE 27.1"
    );
    assert_eq!(
        t.ncci.pairs_at(103),
        1_401_094,
        "NCCI PTP pairs in force at I/OCE 27.1"
    );
    let mods = t
        .refs
        .oce_modifiers
        .iter()
        .filter(|m| m.from <= 20260401 && 20260401 <= m.to)
        .count();
    assert_eq!(mods, 403, "modifiers at I/OCE 27.1");
    assert_eq!(
        t.icd.excludes1_nodes, 2_643,
        "codes carrying Excludes1 notes (2,644 in the source: block T07 merged into category T07)"
    );
    let ex1 = t
        .icd
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::Excludes1)
        .count();
    assert_eq!(ex1, 5_407, "Excludes1 note lines");
}

#[test]
fn header_is_not_billable_and_suggests_children() {
    let e11 = icd("E11", d(2026, 5, 1));
    assert_eq!(e11.status, Status::Valid);
    assert!(!e11.billable);
    assert_eq!(e11.kind, Some(NodeKind::Category));
    let kids: Vec<_> = e11
        .children()
        .map(|c| c.code.as_str().to_string())
        .collect();
    assert!(kids.contains(&"E119".to_string()) && !kids.contains(&"E1165".to_string()));
    assert!(e11.children().any(|c| c.billable));
    assert_eq!(e11.parent().unwrap().code.as_str(), "E08-E13");
    let v = tables().validate(
        CodeSystem::Icd10cm,
        &["E11", "e11.9", "E11.999"],
        d(2026, 5, 1),
    );
    assert_eq!(v[0].verdict, Verdict::Invalid);
    assert!(v[0].reason.as_deref().unwrap().contains("E11.9"));
    assert_eq!((v[1].verdict, v[1].billable), (Verdict::Valid, true));
    assert_eq!(v[2].verdict, Verdict::Invalid);
}

#[test]
fn billable_code_with_inherited_notes() {
    let e119 = icd("E11.9", d(2026, 5, 1));
    assert!(e119.billable);
    assert_eq!(
        e119.title,
        Some("Type 2 diabetes mellitus without complications")
    );
    let inherited: Vec<_> = e119
        .notes()
        .filter(|n| n.kind == NoteKind::Excludes1 && n.inherited)
        .collect();
    assert!(inherited
        .iter()
        .any(|n| n.text.contains("(E10.-)") && n.defined_at.as_str() == "E11"));
    assert!(e119.notes().any(|n| n.kind == NoteKind::UseAdditional));
    let t = icd("T36.0X1A", d(2026, 5, 1));
    assert!(t.billable);
    assert_eq!(
        t.seventh_characters().next(),
        Some(('A', "initial encounter"))
    );
}

#[test]
fn sex_edit_on_o80_stops_after_fy2024() {
    let before = icd("O80", d(2024, 9, 30));
    assert_eq!(
        before.check_patient(30, Sex::Male).sex_conflict,
        Some(Sex::Female)
    );
    let after = icd("O80", d(2024, 10, 1));
    assert_eq!(after.check_patient(30, Sex::Male).sex_conflict, None);
    assert!(
        after.check_patient(70, Sex::Female).age_conflict.is_some(),
        "maternity 9-64"
    );
}

#[test]
fn fy2027_changes_apply_from_october_2026() {
    let old = icd("S23.420A", d(2026, 9, 30));
    assert!(old.billable && old.status == Status::Valid);
    let gone = icd("S23.420A", d(2026, 10, 1));
    assert_eq!(gone.status, Status::Ended);
    assert_eq!(gone.validity.unwrap().to, Some(d(2026, 9, 30)));
    // D69.1 becomes a header in FY2027; its new children have no bundled title.
    let d691 = icd("D69.1", d(2026, 10, 1));
    assert!(!d691.billable && d691.status == Status::Valid);
    let new: Vec<_> = d691.children().collect();
    assert!(new
        .iter()
        .any(|c| c.code.as_str() == "D6911" && c.billable && c.title.is_none()));
    let d6911 = icd("D69.11", d(2026, 10, 1));
    assert!(d6911.title.is_none() && d6911.note.unwrap().contains("FY2027"));
    assert_eq!(icd("D69.11", d(2026, 9, 30)).status, Status::NotYetValid);
}

#[test]
fn ncci_pairs_with_indicator_and_claim_check() {
    let t = tables();
    let e = t
        .ptp_edit("80053", "80048", d(2026, 4, 1))
        .unwrap()
        .unwrap();
    assert_eq!(e.indicator, ModifierIndicator::NotAllowed);
    assert_eq!(e.version, "27.1.0");
    assert!(e.bypass_modifiers.is_empty());
    let e = t
        .ptp_edit("80053", "80047", d(2026, 4, 1))
        .unwrap()
        .unwrap();
    assert_eq!(e.indicator.digit(), 1);
    assert!(e.bypass_modifiers.contains(&"59") && e.bypass_modifiers.contains(&"XU"));
    assert!(t
        .ptp_edit("80048", "80053", d(2026, 4, 1))
        .unwrap()
        .is_none());
    assert!(matches!(
        t.ptp_edit("80053", "80048", d(2018, 1, 1)),
        Err(PtpError::NoDataForDate { .. })
    ));
    let day = d(2026, 4, 1);
    let lines = [
        ClaimLine {
            code: "80053",
            modifiers: &[],
            date_of_service: day,
        },
        ClaimLine {
            code: "80048",
            modifiers: &[],
            date_of_service: day,
        },
        ClaimLine {
            code: "80047",
            modifiers: &["59"],
            date_of_service: day,
        },
    ];
    let found = t.check_claim_lines(&lines);
    assert!(found
        .iter()
        .any(|c| c.column1_line == 0 && c.column2_line == 1 && c.bypassed_by.is_none()));
    assert!(found
        .iter()
        .any(|c| c.column1_line == 0 && c.column2_line == 2 && c.bypassed_by == Some("59")));
}

#[test]
fn cpt_is_checked_by_format_and_ncci() {
    let t = tables();
    let info = t
        .lookup(CodeSystem::Cpt, "80053", d(2026, 4, 1))
        .unwrap()
        .unwrap();
    assert_eq!(info.status, Status::Valid);
    assert!(info.title.is_none() && info.note.unwrap().contains("CPT table not loaded"));
    let unknown = t
        .lookup(CodeSystem::Cpt, "0999F", d(2026, 4, 1))
        .unwrap()
        .unwrap();
    assert_eq!(unknown.status, Status::Unverified);
    assert!(t.lookup(CodeSystem::Cpt, "9921", d(2026, 4, 1)).is_err());
}

#[test]
fn overlay_takes_precedence_for_its_dates() {
    let mut t = CodeTables::load_embedded().unwrap();
    let rows =
        parse_code_tab_file("80053\tComprehensive metabolic panel (licensed text)\n").unwrap();
    t.add_overlay(
        Overlay::new(
            CodeSystem::Cpt,
            "CPT 2027 (licensed)",
            d(2027, 1, 1),
            None,
            true,
            rows,
        )
        .unwrap(),
    );
    let info = t
        .lookup(CodeSystem::Cpt, "80053", d(2027, 2, 1))
        .unwrap()
        .unwrap();
    assert_eq!(info.title_source, TitleSource::Overlay);
    assert_eq!(info.version, "CPT 2027 (licensed)");
    let before = t
        .lookup(CodeSystem::Cpt, "80053", d(2026, 12, 31))
        .unwrap()
        .unwrap();
    assert!(before.title.is_none());
    let missing = t
        .lookup(CodeSystem::Cpt, "80048", d(2027, 2, 1))
        .unwrap()
        .unwrap();
    assert_eq!(missing.status, Status::NotInRelease);
    assert_eq!(
        t.search(CodeSystem::Cpt, "metabolic", d(2027, 2, 1), 5)[0]
            .code
            .as_str(),
        "80053"
    );
}

#[test]
fn hcpcs_titles_dates_and_cdt() {
    let t = tables();
    let g = t
        .lookup(CodeSystem::Hcpcs, "g0008", d(2026, 4, 1))
        .unwrap()
        .unwrap();
    assert!(g.billable && g.title.is_some());
    let dcode = t
        .hcpcs
        .keys
        .iter()
        .map(|&k| Code::from_key(k))
        .find(|c| c.as_str().starts_with('D'))
        .unwrap();
    let info = t
        .lookup(CodeSystem::Hcpcs, dcode.as_str(), d(2026, 4, 1))
        .unwrap()
        .unwrap();
    assert!(info.title.is_none() && info.note.is_some());
    let old = t
        .lookup(CodeSystem::Hcpcs, "G0008", d(2019, 6, 30))
        .unwrap()
        .unwrap();
    assert_eq!(old.status, Status::OutsideBundledDates);
}

#[test]
fn search_ranks_type_2_diabetes_first() {
    let hits = tables().search(CodeSystem::Icd10cm, "diab mel typ 2", d(2026, 5, 1), 20);
    assert_eq!(hits.len(), 20);
    assert!(
        hits.iter()
            .take(10)
            .all(|h| h.code.as_str().starts_with("E11")),
        "{hits:?}"
    );
    let by_code = tables().search(CodeSystem::Icd10cm, "e11.6", d(2026, 5, 1), 5);
    assert_eq!(by_code[0].code.as_str(), "E11610");
    let hc = tables().search(CodeSystem::Hcpcs, "influenza vac", d(2026, 5, 1), 5);
    assert!(!hc.is_empty());
}

#[test]
fn excludes1_conflicts_use_inherited_notes_and_ranges() {
    let t = tables();
    let day = d(2026, 5, 1);
    let c = t
        .excludes1_conflict("E11.9", "E10.9", day)
        .unwrap()
        .unwrap();
    assert_eq!(c.defined_at.as_str(), "E11");
    assert!(t
        .excludes1_conflict("E10.9", "E11.65", day)
        .unwrap()
        .is_some());
    assert!(
        t.excludes1_conflict("O24.410", "E11.9", day)
            .unwrap()
            .is_some(),
        "O24.4- range in E11's note"
    );
    assert!(
        t.excludes1_conflict("I10", "I63.9", day).unwrap().is_none(),
        "Excludes2 is allowed"
    );
    assert!(t.excludes1_conflict("E11.9", "I10", day).unwrap().is_none());
    assert!(t.excludes1_conflict("E11.9", "E1.0", day).is_err());
}

#[test]
fn small_tables_and_modifiers() {
    let t = tables();
    assert_eq!(
        t.reference(RefTable::PlaceOfService, "11").unwrap().name,
        "Office"
    );
    assert_eq!(
        t.reference(RefTable::SpecimenType, "ser").unwrap().code,
        "SER"
    );
    assert!(t.reference(RefTable::SpecimenRejectReason, "QS").is_some());
    assert!(t.reference(RefTable::ClaimFrequency, "7").is_some());
    assert!(t.reference(RefTable::Relationship, "G8").is_some());
    assert!(t.reference(RefTable::ClaimFilingIndicator, "MB").is_some());
    let m = t.modifier("25", d(2026, 4, 1)).unwrap();
    assert!(m.meaning.is_some() && m.ncci_bypass && m.validity.is_some());
    let s = t.summary();
    assert!(s.tables.iter().any(|x| x.name == "icd10cm"));
}
