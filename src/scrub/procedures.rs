//! A line's procedure code: HCPCS Level II in force on the date (with its age range), CPT by
//! format and NCCI presence (the CPT table is not bundled) or by an imported CPT release.

use crate::codesets::{CodeInfo, CodeSystem, Status, TitleSource};

use super::context::{day, Ctx, Out};
use super::position::{LineField, Pos};
use super::status::not_valid_message;
use super::LineFacts;

/// The code-set label for a procedure lookup.
fn version_label(info: &CodeInfo<'_>) -> Option<String> {
    match (info.system, info.title_source) {
        (_, TitleSource::Overlay) => Some(info.version.to_string()),
        (_, _) if info.status == Status::NotInRelease => Some(info.version.to_string()),
        (_, _) if info.version.is_empty() => None,
        (CodeSystem::Hcpcs, _) => Some(format!("HCPCS Level II, I/OCE {}", info.version)),
        _ => Some(format!("NCCI PTP (outpatient), I/OCE {}", info.version)),
    }
}

/// Check the code of line `i`.
pub(super) fn check_code(ctx: &Ctx<'_>, out: &mut Out, i: usize, line: &LineFacts) {
    let date = ctx.line_date(i);
    let pos = Pos::line(i, LineField::Code);
    let raw = line.code.trim();
    let n = i + 1;
    // CPT codes start with a digit; HCPCS Level II codes with a letter.
    let system = if raw.starts_with(|c: char| c.is_ascii_digit()) {
        CodeSystem::Cpt
    } else {
        CodeSystem::Hcpcs
    };
    let info = match ctx.codes.lookup(system, raw, date) {
        Err(e) => {
            out.error(
                pos,
                "line.code_format",
                format!("Line {n}: \"{raw}\" is not a CPT or HCPCS code: {e}."),
            )
            .suggest("CPT codes are 5 digits (or 4 digits and F, T or U); HCPCS Level II codes are a letter and 4 digits (e.g. G0008).");
            return;
        }
        Ok(None) => {
            out.error(
                pos,
                "hcpcs.unknown",
                format!("Line {n}: {raw} is not an HCPCS Level II code."),
            )
            .suggest("Search the HCPCS table by code or words to find the right code.");
            return;
        }
        Ok(Some(info)) => info,
    };
    let shown = info.code.as_str();
    let version = version_label(&info);
    match (system, info.status) {
        (_, Status::OutsideBundledDates) => {
            let f = out.warning(
                pos,
                "code.outside_bundled_dates",
                format!(
                    "Line {n}: {shown} cannot be checked for {}: the bundled tables start on 2019-07-01.",
                    day(date)
                ),
            );
            if let Some(v) = version {
                f.version(v);
            }
        }
        (CodeSystem::Cpt, Status::Valid) if info.title_source != TitleSource::Overlay => {
            let f = out.warning(
                pos,
                "cpt.not_loaded",
                format!(
                    "Line {n}: CPT table not loaded, so {shown} was checked by its form and found in the NCCI edits in force on {}; its descriptor is not confirmed.",
                    day(date)
                ),
            );
            f.suggest("Import the office's licensed CPT file to check CPT codes fully.");
            if let Some(v) = version {
                f.version(v);
            }
        }
        (CodeSystem::Cpt, Status::Unverified) => {
            let f = out.warning(
                pos,
                "cpt.not_loaded",
                format!(
                    "Line {n}: CPT table not loaded, and {shown} is in no NCCI edit on {}, so it cannot be confirmed; check the code.",
                    day(date)
                ),
            );
            f.suggest("Import the office's licensed CPT file to check CPT codes fully.");
            if let Some(v) = version {
                f.version(v);
            }
        }
        (_, Status::Valid) => age_range(ctx, out, pos, n, &info, version),
        (_, _) => {
            let msg = not_valid_message(&info, shown, date)
                .unwrap_or_else(|| format!("{shown} is not valid on {}.", day(date)));
            let rule = match system {
                CodeSystem::Cpt => "cpt.not_valid_on_date",
                _ => "hcpcs.not_valid_on_date",
            };
            let f = out.error(pos, rule, format!("Line {n}: {msg}"));
            f.suggest("Use the code in force on the date of service.");
            if let Some(v) = version {
                f.version(v);
            }
        }
    }
}

/// I/OCE age range of an HCPCS code.
fn age_range(
    ctx: &Ctx<'_>,
    out: &mut Out,
    pos: Pos,
    n: usize,
    info: &CodeInfo<'_>,
    version: Option<String>,
) {
    let Pos::Line(i, ..) = pos else { return };
    let date = ctx.line_date(i);
    let age = ctx.age_on(date);
    if let Some(r) = info.check_patient(age, ctx.sex).age_conflict {
        let f = out.error(
            pos,
            "hcpcs.age",
            format!(
                "Line {n}: {} is for patients aged {} to {}; the patient is {age} on {}.",
                info.code.as_str(),
                r.min,
                r.max,
                day(date)
            ),
        );
        f.suggest("Check the patient's date of birth, or choose the code for the patient's age.");
        if let Some(v) = version {
            f.version(v);
        }
    }
}
