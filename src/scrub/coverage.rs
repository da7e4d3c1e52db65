//! Dates of service against today, the coverage's effective dates and the payer's timely
//! filing limit; the encounter's place of service.

use chrono::{Days, NaiveDate};

use crate::codesets::RefTable;

use super::context::{day, Ctx, Out};
use super::position::{LineField, Pos};

/// Days before the timely filing deadline from which a warning is given.
pub(super) const TIMELY_WARNING_DAYS: i64 = 30;

/// Encounter-level date, place of service and coverage rules.
pub(super) fn check(ctx: &Ctx<'_>, out: &mut Out) {
    let input = ctx.input;
    if input.date_of_service > input.today {
        out.error(
            Pos::DateOfService,
            "dos.future",
            format!(
                "The date of service {} is in the future (today is {}); services are billed after they are given.",
                day(input.date_of_service),
                day(input.today)
            ),
        );
    }
    place_of_service(ctx, out);
    let Some(cov) = &input.coverage else {
        out.error(
            Pos::Coverage,
            "coverage.missing",
            "No coverage is set: choose the patient's coverage (payer) to bill.".to_string(),
        );
        return;
    };
    for (pos, date) in service_dates(ctx) {
        if date < cov.effective_from {
            let what = describe(pos, date);
            out.error(
                pos,
                "coverage.dates",
                format!(
                    "{what} is before the coverage starts ({}).",
                    day(cov.effective_from)
                ),
            )
            .suggest("Check eligibility for that date, or bill the coverage in force then.");
        } else if let Some(to) = cov.effective_to.filter(|&to| date > to) {
            let what = describe(pos, date);
            out.error(
                pos,
                "coverage.dates",
                format!("{what} is after the coverage ended ({}).", day(to)),
            )
            .suggest("Check eligibility for that date, or bill the coverage in force then.");
        }
        if date <= input.today {
            timely_filing(ctx, out, pos, date, cov.timely_filing_days);
        }
    }
}

/// The encounter's date, then each line date that differs from it.
fn service_dates<'a>(ctx: &'a Ctx<'_>) -> impl Iterator<Item = (Pos, NaiveDate)> + 'a {
    let dos = ctx.input.date_of_service;
    std::iter::once((Pos::DateOfService, dos)).chain(ctx.input.lines.iter().enumerate().filter_map(
        move |(i, l)| match l.date_of_service {
            Some(d) if d != dos => Some((Pos::line(i, LineField::Date), d)),
            _ => None,
        },
    ))
}

fn describe(pos: Pos, date: NaiveDate) -> String {
    match pos {
        Pos::Line(i, ..) => format!("Line {}'s date of service {}", i + 1, day(date)),
        _ => format!("The date of service {}", day(date)),
    }
}

fn describe_in_sentence(pos: Pos, date: NaiveDate) -> String {
    match pos {
        Pos::Line(i, ..) => format!("line {}'s date of service {}", i + 1, day(date)),
        _ => format!("the date of service {}", day(date)),
    }
}

fn timely_filing(ctx: &Ctx<'_>, out: &mut Out, pos: Pos, date: NaiveDate, limit: i32) {
    let Ok(limit_days) = u64::try_from(limit) else {
        return;
    };
    if limit_days == 0 {
        return;
    }
    let Some(deadline) = date.checked_add_days(Days::new(limit_days)) else {
        return;
    };
    let today = ctx.input.today;
    let left = (deadline - today).num_days();
    if left < 0 {
        out.error(
            pos,
            "timely_filing",
            format!(
                "The payer's timely filing limit ({limit} days) has passed: for {} the deadline was {} ({} days ago).",
                describe_in_sentence(pos, date),
                day(deadline),
                -left
            ),
        )
        .suggest("Ask the payer whether an exception applies (e.g. proof of timely filing or retroactive eligibility).");
    } else if left <= TIMELY_WARNING_DAYS {
        out.warning(
            pos,
            "timely_filing",
            format!(
                "File soon: for {} the payer's timely filing deadline ({limit} days) is {} ({left} days left).",
                describe_in_sentence(pos, date),
                day(deadline)
            ),
        );
    }
}

fn place_of_service(ctx: &Ctx<'_>, out: &mut Out) {
    match ctx.input.place_of_service.as_deref() {
        Some(code) => {
            if ctx
                .codes
                .reference(RefTable::PlaceOfService, code)
                .is_none()
            {
                out.error(
                    Pos::PlaceOfService,
                    "pos.unknown",
                    format!("Place of service \"{code}\" is not a CMS place of service code."),
                )
                .suggest("Use a 2-digit CMS code, e.g. 11 (office), 22 (outpatient hospital), 81 (independent lab), 02 or 10 (telehealth).");
            }
        }
        None => {
            let uncovered = ctx.input.lines.iter().any(|l| l.place_of_service.is_none());
            if uncovered || ctx.input.lines.is_empty() {
                out.error(
                    Pos::PlaceOfService,
                    "pos.missing",
                    "No place of service is set for the encounter (the claim needs one)."
                        .to_string(),
                )
                .suggest("Set the 2-digit CMS place of service code, e.g. 11 for an office visit.");
            }
        }
    }
}
