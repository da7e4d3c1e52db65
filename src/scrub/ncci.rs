//! NCCI procedure-to-procedure edits between lines of the same date, and medically unlikely
//! edits (MUE) where a table is loaded.

use crate::codesets::{ClaimLine, ModifierIndicator, PtpConflict};

use super::context::{day, Ctx, Out};
use super::position::{LineField, Pos};

/// NCCI PTP and MUE rules.
pub(super) fn check(ctx: &Ctx<'_>, out: &mut Out) {
    ptp(ctx, out);
    mue(ctx, out);
}

fn ptp(ctx: &Ctx<'_>, out: &mut Out) {
    let lines = &ctx.input.lines;
    if lines.len() < 2 {
        return;
    }
    // One flat buffer of trimmed modifiers, sliced per line.
    let mut flat: Vec<&str> = Vec::with_capacity(lines.len() * 2);
    let mut ends = Vec::with_capacity(lines.len());
    for l in lines {
        flat.extend(l.modifiers.iter().map(|m| m.trim()));
        ends.push(flat.len());
    }
    let mut start = 0;
    let claim: Vec<ClaimLine<'_>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mods = &flat[start..ends[i]];
            start = ends[i];
            ClaimLine {
                code: l.code.as_str(),
                modifiers: mods,
                date_of_service: ctx.line_date(i),
            }
        })
        .collect();
    for c in ctx.codes.check_claim_lines(&claim) {
        report(out, &claim, &c);
    }
}

fn report(out: &mut Out, claim: &[ClaimLine<'_>], c: &PtpConflict<'_>) {
    let (i, j) = (c.column1_line, c.column2_line);
    let (c1, c2) = (c.edit.column1.as_str(), c.edit.column2.as_str());
    let date = day(claim[j].date_of_service);
    let version = format!("NCCI PTP (outpatient), I/OCE {}", c.edit.version);
    let pos = Pos::line(j, LineField::Code);
    let (li, lj) = (i + 1, j + 1);
    match c.edit.indicator {
        ModifierIndicator::NotApplicable => {}
        ModifierIndicator::NotAllowed => {
            out.error(
                pos,
                "ncci.ptp",
                format!(
                    "Line {lj}: {c2} is not paid with {c1} (line {li}) on {date}: an NCCI edit with modifier indicator 0 bundles it, and no modifier allows the pair."
                ),
            )
            .version(version)
            .suggest(format!("Remove line {lj} ({c2}); it is part of {c1}."));
        }
        ModifierIndicator::ModifierAllowed => {
            let on_col2 = |m: &&str| claim[j].modifiers.iter().any(|x| x.eq_ignore_ascii_case(m));
            if c.edit.bypass_modifiers.iter().any(on_col2) {
                return;
            }
            let misplaced = c
                .edit
                .bypass_modifiers
                .iter()
                .find(|m| claim[i].modifiers.iter().any(|x| x.eq_ignore_ascii_case(m)));
            let note = match misplaced {
                Some(m) => format!(
                    " (modifier {m} is on line {li}, the column-1 code; it belongs on line {lj})"
                ),
                None => String::new(),
            };
            out.error(
                pos,
                "ncci.ptp",
                format!(
                    "Line {lj}: {c2} is not paid with {c1} (line {li}) on {date} unless the services were distinct and line {lj} carries an NCCI bypass modifier (edit with modifier indicator 1){note}."
                ),
            )
            .version(version)
            .suggest(format!(
                "If the services were distinct (separate site, session or encounter), append one of {} to line {lj}; otherwise remove line {lj}.",
                c.edit.bypass_modifiers.join(", ")
            ));
        }
    }
}

fn mue(ctx: &Ctx<'_>, out: &mut Out) {
    let input = ctx.input;
    let version = input.mue_version.as_deref().unwrap_or("MUE (imported)");
    for (i, l) in input.lines.iter().enumerate() {
        let Some(&Some(max)) = input.mue_max_units.get(i) else {
            continue;
        };
        let code = l.code.trim();
        if l.units > max {
            out.error(
                Pos::line(i, LineField::Units),
                "mue.units",
                format!(
                    "Line {}: {} units of {code}; the medically unlikely edit allows at most {max} per day.",
                    i + 1,
                    l.units
                ),
            )
            .version(version)
            .suggest(format!(
                "Check the units; if more than {max} were really given, the payer needs documentation (or bill the rest on a separate line with the right modifier)."
            ));
            continue;
        }
        // The same code on several lines of one date: the MUE may apply per day (MAI 2 or 3).
        let date = ctx.line_date(i);
        let same = |j: usize| {
            input.lines[j].code.trim().eq_ignore_ascii_case(code) && ctx.line_date(j) == date
        };
        if (i + 1..input.lines.len()).any(same) {
            continue; // reported once, on the last line of the group
        }
        let group: Vec<usize> = (0..=i).filter(|&j| same(j)).collect();
        if group.len() < 2 {
            continue;
        }
        let total: i64 = group
            .iter()
            .map(|&j| i64::from(input.lines[j].units.max(0)))
            .sum();
        if total > i64::from(max) {
            let list: Vec<String> = group.iter().map(|j| (j + 1).to_string()).collect();
            out.warning(
                Pos::line(i, LineField::Units),
                "mue.units_day",
                format!(
                    "Lines {} bill {total} units of {code} on {} together; the medically unlikely edit allows {max} per day (when the payer applies it per day).",
                    list.join(", "),
                    day(date)
                ),
            )
            .version(version);
        }
    }
}
