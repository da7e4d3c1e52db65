//! Diagnosis rules: ICD-10-CM code in force and billable, MCE age/sex edits, first-listed rules,
//! duplicates and Excludes1 pairs.

use chrono::NaiveDate;

use crate::codesets::{Code, CodeInfo, CodeSystem, NodeKind, NoteKind, Sex};

use super::context::{day, Ctx, Out};
use super::position::Pos;
use super::status::{billable_under, not_valid_message};

const ICD: CodeSystem = CodeSystem::Icd10cm;

/// The release a finding from an MCE edit names: the MCE release of the date of service.
fn mce_version<'a>(info: &CodeInfo<'a>) -> &'a str {
    if info.mce_release.is_empty() {
        info.version
    } else {
        info.mce_release
    }
}

/// A diagnosis found in the tables.
struct Known {
    /// Position in the diagnosis list.
    index: usize,
    /// The normalised code.
    code: Code,
    /// True if an Excludes1 note applies to it (its own or inherited).
    has_excludes1: bool,
}

/// All diagnosis rules.
pub(super) fn check(ctx: &Ctx<'_>, out: &mut Out) {
    let dx = &ctx.input.diagnoses;
    if dx.is_empty() {
        out.error(
            Pos::Diagnoses(None),
            "encounter.no_diagnoses",
            "The encounter has no diagnosis; a claim needs at least one ICD-10-CM code."
                .to_string(),
        );
        return;
    }
    let date = ctx.input.date_of_service;
    // Every code found in the tables, for the pair checks.
    let mut known: Vec<Known> = Vec::with_capacity(dx.len());
    for (i, raw) in dx.iter().enumerate() {
        let pos = Pos::diagnosis(i);
        let info = match ctx.codes.lookup(ICD, raw, date) {
            Err(e) => {
                out.error(
                    pos,
                    "icd.format",
                    format!("\"{}\" is not an ICD-10-CM code: {e}.", raw.trim()),
                );
                continue;
            }
            Ok(None) => {
                out.error(
                    pos,
                    "icd.unknown",
                    format!("{} is not an ICD-10-CM code.", raw.trim()),
                )
                .suggest("Search the ICD-10-CM table by code or words to find the right code.");
                continue;
            }
            Ok(Some(info)) => info,
        };
        let shown = info.code.display(ICD);
        if let Some(first) = known.iter().find(|k| k.code == info.code).map(|k| k.index) {
            out.error(
                pos,
                "icd.duplicate",
                format!("{shown} is listed twice (also diagnosis {}).", first + 1),
            )
            .suggest("Remove the repeated diagnosis.");
            continue;
        }
        known.push(Known {
            index: i,
            code: info.code,
            // A code with no Excludes1 note of its own or inherited can only be excluded by the
            // other code's notes: pairs of two such codes need no check.
            has_excludes1: info.notes().any(|n| n.kind == NoteKind::Excludes1),
        });
        if let Some(msg) = not_valid_message(&info, &shown, date) {
            let f = out.error(pos, "icd.not_valid_on_date", msg);
            f.version(info.version);
            if let Some(parent) = info.parent() {
                let alts = billable_under(ctx.codes, parent.code, date, 5);
                if !alts.is_empty() {
                    f.suggest(format!(
                        "Codes in force then under {}: {}",
                        parent.code.display(ICD),
                        alts.join(", ")
                    ));
                }
            }
            continue;
        }
        if !info.billable {
            not_billable(ctx, out, pos, &info, &shown, date);
            continue;
        }
        patient_edits(ctx, out, pos, &info, &shown, date);
        if i == 0 {
            first_listed(out, &info, &shown);
        }
    }
    excludes1(ctx, out, &known, date);
}

fn not_billable(
    ctx: &Ctx<'_>,
    out: &mut Out,
    pos: Pos,
    info: &CodeInfo<'_>,
    shown: &str,
    date: NaiveDate,
) {
    let kind = match info.kind {
        Some(NodeKind::Chapter) => "chapter",
        Some(NodeKind::Block) => "block (a range of categories)",
        Some(NodeKind::Category) => "category header",
        _ => "header (it has more specific codes)",
    };
    let f = out.error(
        pos,
        "icd.not_billable",
        format!("{shown} is a {kind}, not a billable code; pick a billable code under it."),
    );
    f.version(info.version);
    let kids = billable_under(ctx.codes, info.code, date, 5);
    if !kids.is_empty() {
        f.suggest(kids.join(", "));
    }
}

fn patient_edits(
    ctx: &Ctx<'_>,
    out: &mut Out,
    pos: Pos,
    info: &CodeInfo<'_>,
    shown: &str,
    date: NaiveDate,
) {
    let age = ctx.age_on(date);
    let check = info.check_patient(age, ctx.sex);
    if let Some(range) = check.age_conflict {
        out.error(
            pos,
            "icd.age",
            format!(
                "{shown} is meant for patients aged {} to {} ({} codes); the patient is {age} on {}.",
                range.min,
                range.max,
                range.group,
                day(date)
            ),
        )
        .version(mce_version(info))
        .suggest("Check the patient's date of birth, or choose a code for the patient's age group.");
    }
    // The sex edits are dated in the MCE data like every other edit: CMS removed them from
    // FY2025, so no period from 2024-10-01 carries one.
    if let Some(only) = check.sex_conflict {
        let (only, patient) = match only {
            Sex::Female => ("female", "male"),
            _ => ("male", "female"),
        };
        out.error(
            pos,
            "icd.sex",
            format!(
                "{shown} is for {only} patients only (Medicare Code Editor sex edit, dates before 2024-10-01); the patient's administrative sex is {patient}."
            ),
        )
        .version(mce_version(info))
        .suggest("Check the patient's sex in the registry, or the code.");
    }
}

fn first_listed(out: &mut Out, info: &CodeInfo<'_>, shown: &str) {
    let pos = Pos::diagnosis(0);
    let edits = info.edits;
    if edits.manifestation() {
        let code_first = info
            .notes()
            .find(|n| n.kind == NoteKind::CodeFirst)
            .map(|n| n.text);
        let f = out.error(
            pos,
            "icd.manifestation_first",
            format!(
                "{shown} is a manifestation code: it may not be listed first. List the underlying condition first, then {shown}."
            ),
        );
        f.version(mce_version(info));
        if let Some(t) = code_first {
            f.suggest(format!("Code first: {t}"));
        }
    }
    let letter = info
        .code
        .as_str()
        .as_bytes()
        .first()
        .copied()
        .unwrap_or(b' ');
    if edits.external_cause() || (b'V'..=b'Y').contains(&letter) {
        out.error(
            pos,
            "icd.external_cause_first",
            format!(
                "{shown} is an external cause code (V00-Y99): it tells how an injury happened and may not be listed first."
            ),
        )
        .version(mce_version(info))
        .suggest("List the injury or condition first and the external cause code after it.");
    }
    if edits.unacceptable_principal() {
        out.warning(
            pos,
            "icd.unacceptable_principal",
            format!(
                "{shown} is not acceptable as the principal (first-listed) diagnosis (Medicare Code Editor)."
            ),
        )
        .version(mce_version(info))
        .suggest("List first the condition chiefly responsible for the visit.");
    }
}

fn excludes1(ctx: &Ctx<'_>, out: &mut Out, known: &[Known], date: NaiveDate) {
    for (a, ka) in known.iter().enumerate() {
        for kb in &known[a + 1..] {
            if !(ka.has_excludes1 || kb.has_excludes1) {
                continue;
            }
            let j = kb.index;
            let Ok(Some(c)) =
                ctx.codes
                    .excludes1_conflict(ka.code.as_str(), kb.code.as_str(), date)
            else {
                continue;
            };
            let (code, excluded, at) = (
                c.code.display(ICD),
                c.excluded.display(ICD),
                c.defined_at.display(ICD),
            );
            let whose = if c.defined_at == c.code {
                format!("{code}'s Excludes1 note")
            } else {
                format!("the Excludes1 note at {at} (which applies to {code})")
            };
            out.error(
                Pos::diagnosis(j),
                "icd.excludes1",
                format!(
                    "{excluded} and {code} may not be coded together: {whose} excludes \"{}\".",
                    c.note
                ),
            )
            .version(c.version)
            .suggest(format!(
                "Keep whichever of {code} and {excluded} describes the patient and remove the other (both only when the conditions are unrelated, per the Excludes1 exception)."
            ));
        }
    }
}
