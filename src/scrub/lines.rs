//! Service line rules: modifiers, units, charge, diagnosis pointers, line date and place of
//! service; the claim-wide line and diagnosis counts.

use crate::codesets::RefTable;

use super::context::{day, Ctx, Out};
use super::position::{LineField, Pos};
use super::procedures::check_code;
use super::LineFacts;

/// Most modifiers on one 837P line (SV101-3..6).
const MAX_MODIFIERS: usize = 4;
/// Most diagnosis pointers on one 837P line (SV107-1..4).
const MAX_POINTERS: usize = 4;
/// Most diagnoses on one 837P claim (HI segment).
const MAX_CLAIM_DIAGNOSES: usize = 12;

/// All line rules.
pub(super) fn check(ctx: &Ctx<'_>, out: &mut Out) {
    let lines = &ctx.input.lines;
    if lines.is_empty() {
        out.error(
            Pos::Lines,
            "encounter.no_lines",
            "The encounter has no service lines; a claim needs at least one.".to_string(),
        );
        return;
    }
    for (i, line) in lines.iter().enumerate() {
        check_code(ctx, out, i, line);
        modifiers(ctx, out, i, line);
        if line.units < 1 {
            out.error(
                Pos::line(i, LineField::Units),
                "line.units",
                format!(
                    "Line {}: {} units; units must be at least 1.",
                    i + 1,
                    line.units
                ),
            );
        }
        if line.charge_cents <= 0 {
            out.error(
                Pos::line(i, LineField::Charge),
                "line.charge",
                format!(
                    "Line {}: the charge is {}; it must be more than zero.",
                    i + 1,
                    dollars(line.charge_cents)
                ),
            )
            .suggest("Enter the charge, or set up a fee schedule that fills it in.");
        }
        pointers(ctx, out, i, line);
        if let Some(d) = line.date_of_service.filter(|&d| d > ctx.input.today) {
            out.error(
                Pos::line(i, LineField::Date),
                "dos.future",
                format!(
                    "Line {}: the date of service {} is in the future (today is {}).",
                    i + 1,
                    day(d),
                    day(ctx.input.today)
                ),
            );
        }
        if let Some(p) = line.place_of_service.as_deref() {
            if ctx.codes.reference(RefTable::PlaceOfService, p).is_none() {
                out.error(
                    Pos::line(i, LineField::PlaceOfService),
                    "pos.unknown",
                    format!(
                        "Line {}: place of service \"{p}\" is not a CMS place of service code.",
                        i + 1
                    ),
                )
                .suggest("Use a 2-digit CMS code, e.g. 11 (office) or 81 (independent lab).");
            }
        }
    }
    diagnosis_count(ctx, out);
}

fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", c / 100, c % 100)
}

fn modifiers(ctx: &Ctx<'_>, out: &mut Out, i: usize, line: &LineFacts) {
    let date = ctx.line_date(i);
    let n = i + 1;
    for (k, raw) in line.modifiers.iter().enumerate() {
        let pos = Pos::line_item(i, LineField::Modifiers, k);
        if k == MAX_MODIFIERS {
            out.error(
                pos,
                "line.modifier_count",
                format!(
                    "Line {n} has {} modifiers; a claim line carries at most {MAX_MODIFIERS}.",
                    line.modifiers.len()
                ),
            )
            .suggest("Keep the four that matter; pricing modifiers go first.");
        }
        let m = raw.trim();
        if line.modifiers[..k]
            .iter()
            .any(|p| p.trim().eq_ignore_ascii_case(m))
        {
            out.error(
                pos,
                "line.modifier_repeated",
                format!("Line {n}: modifier {m} is repeated."),
            )
            .suggest("Remove the repeated modifier.");
            continue;
        }
        let well_formed = m.len() == 2 && m.bytes().all(|b| b.is_ascii_alphanumeric());
        match ctx.codes.modifier(m, date).filter(|_| well_formed) {
            None => {
                out.error(
                    pos,
                    "line.modifier_unknown",
                    format!("Line {n}: \"{m}\" is not a known modifier."),
                )
                .version(ctx.oce_label(date))
                .suggest("Modifiers are 2 characters (e.g. 25, 59, XU, LT); check the code.");
            }
            Some(info) if info.validity.is_none() => {
                out.warning(
                    pos,
                    "line.modifier_date",
                    format!(
                        "Line {n}: modifier {} is not in the CMS I/OCE modifier list in force on {}; check that the payer accepts it.",
                        info.code,
                        day(date)
                    ),
                )
                .version(ctx.oce_label(date));
            }
            Some(_) => {}
        }
    }
}

fn pointers(ctx: &Ctx<'_>, out: &mut Out, i: usize, line: &LineFacts) {
    let ndx = ctx.input.diagnoses.len();
    let n = i + 1;
    if line.diagnosis_pointers.is_empty() {
        let f = out.error(
            Pos::line(i, LineField::Pointers),
            "line.pointer",
            format!("Line {n} has no diagnosis pointer; point it at 1 to 4 of the encounter's diagnoses."),
        );
        if ndx > 0 {
            f.suggest("Point it at the diagnosis the service was for (e.g. 1).");
        }
        return;
    }
    for (k, &p) in line.diagnosis_pointers.iter().enumerate() {
        let pos = Pos::line_item(i, LineField::Pointers, k);
        if k == MAX_POINTERS {
            out.error(
                pos,
                "line.pointer",
                format!(
                    "Line {n} has {} diagnosis pointers; a claim line carries at most {MAX_POINTERS}.",
                    line.diagnosis_pointers.len()
                ),
            )
            .suggest("Keep the four most relevant diagnoses, the main one first.");
        }
        if line.diagnosis_pointers[..k].contains(&p) {
            out.error(
                pos,
                "line.pointer_repeated",
                format!("Line {n} points at diagnosis {p} twice."),
            )
            .suggest("Remove the repeated pointer.");
            continue;
        }
        let in_list = usize::try_from(p).is_ok_and(|u| (1..=ndx).contains(&u));
        if !in_list {
            out.error(
                pos,
                "line.pointer",
                format!("Line {n} points at diagnosis {p}, but the encounter has {ndx} diagnoses."),
            )
            .suggest("Point at a diagnosis in the list (1 is the first).");
        } else if p as usize > MAX_CLAIM_DIAGNOSES {
            out.error(
                pos,
                "line.pointer",
                format!(
                    "Line {n} points at diagnosis {p}; a claim carries only the first {MAX_CLAIM_DIAGNOSES} diagnoses."
                ),
            )
            .suggest("Move that diagnosis into the first 12, or point at one of them.");
        }
    }
}

/// More than 12 distinct diagnoses pointed at cannot go on one claim.
fn diagnosis_count(ctx: &Ctx<'_>, out: &mut Out) {
    let ndx = ctx.input.diagnoses.len();
    let mut pointed: Vec<usize> = ctx
        .input
        .lines
        .iter()
        .flat_map(|l| l.diagnosis_pointers.iter().take(MAX_POINTERS))
        .filter_map(|&p| usize::try_from(p).ok())
        .filter(|&p| (1..=ndx).contains(&p))
        .collect();
    pointed.sort_unstable();
    pointed.dedup();
    if pointed.len() > MAX_CLAIM_DIAGNOSES {
        out.error(
            Pos::Diagnoses(None),
            "claim.diagnosis_count",
            format!(
                "The lines point at {} different diagnoses; a claim carries at most {MAX_CLAIM_DIAGNOSES}.",
                pointed.len()
            ),
        )
        .suggest("Point the lines at no more than 12 diagnoses, or split the services into two claims.");
    }
}
