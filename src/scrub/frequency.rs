//! `frequency.exceeded`: payers pay some services only so often (once per lifetime, once per
//! 12 months, N per calendar year, N per day). The caller loads the limits that apply to the
//! claim's payer and the patient's billed history of those codes (see
//! `encounters::scrubbing`); this module stays pure.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::context::day;
use super::history::BilledService;
use super::{Finding, ScrubInput, Severity};

/// How a frequency limit measures its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// Per date of service.
    Day,
    /// Per calendar year (January to December).
    CalendarYear,
    /// Per `period_months` months counted from date to date: a service on 2026-03-15 and one on
    /// 2027-03-14 fall in one 12-month period; 2027-03-15 starts a new one.
    RollingMonths,
    /// Per `period_months` whole calendar months, counted from the month of a service: Medicare's
    /// "at least 11 full months after the month of the last service" is 12 calendar months
    /// (March 2026, then any day of March 2027).
    CalendarMonths,
    /// Once the limit is reached, never again.
    Lifetime,
}

impl PeriodKind {
    /// The name stored and shown (`rolling_months`).
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Day => "day",
            PeriodKind::CalendarYear => "calendar_year",
            PeriodKind::RollingMonths => "rolling_months",
            PeriodKind::CalendarMonths => "calendar_months",
            PeriodKind::Lifetime => "lifetime",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<PeriodKind> {
        Some(match s {
            "day" => PeriodKind::Day,
            "calendar_year" => PeriodKind::CalendarYear,
            "rolling_months" => PeriodKind::RollingMonths,
            "calendar_months" => PeriodKind::CalendarMonths,
            "lifetime" => PeriodKind::Lifetime,
            _ => return None,
        })
    }

    /// True for the kinds that need a length in months.
    pub fn needs_months(self) -> bool {
        matches!(self, PeriodKind::RollingMonths | PeriodKind::CalendarMonths)
    }
}

/// One limit that applies to the claim being scrubbed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrequencyLimit {
    /// Procedure code, upper case.
    pub code: String,
    /// Most units paid per period.
    pub max_units: i32,
    /// How the period is measured.
    pub kind: PeriodKind,
    /// Length of the period in months (month kinds only).
    pub months: u32,
    /// What the limit is, in the office's words ("Subsequent annual wellness visit").
    pub description: String,
}

impl FrequencyLimit {
    /// "once per 12 months", "2 per calendar year", ...
    fn phrase(&self) -> String {
        let times = match self.max_units {
            1 => "once".to_string(),
            2 => "twice".to_string(),
            n => format!("{n} times"),
        };
        let per = match self.kind {
            PeriodKind::Day => "per day".to_string(),
            PeriodKind::CalendarYear => "per calendar year".to_string(),
            PeriodKind::RollingMonths => format!("per {} months", self.months),
            PeriodKind::CalendarMonths => format!(
                "per {} calendar months (at least {} full months between)",
                self.months,
                self.months.saturating_sub(1)
            ),
            PeriodKind::Lifetime => "per lifetime".to_string(),
        };
        format!("{times} {per}")
    }

    /// The month number of `d`, for calendar-month windows.
    fn month_index(d: NaiveDate) -> i64 {
        i64::from(d.year()) * 12 + i64::from(d.month0())
    }

    /// True when `d` falls in the period that starts with a service on `start`.
    fn window_holds(&self, start: NaiveDate, d: NaiveDate) -> bool {
        match self.kind {
            PeriodKind::Day => d == start,
            PeriodKind::CalendarYear => d.year() == start.year(),
            PeriodKind::Lifetime => true,
            PeriodKind::RollingMonths => {
                let end = start.checked_add_months(Months::new(self.months));
                d >= start && end.is_none_or(|e| d < e)
            }
            PeriodKind::CalendarMonths => {
                let (s, x) = (Self::month_index(start), Self::month_index(d));
                x >= s && x < s + i64::from(self.months)
            }
        }
    }
}

/// A service counted against a limit: billed on another claim, or an earlier line of this one.
#[derive(Debug, Clone, Copy)]
struct Counted<'a> {
    date: NaiveDate,
    units: i32,
    /// The other claim's number and line, or `None` for a line of this encounter.
    claim: Option<(&'a str, i32)>,
    /// For a line of this encounter, its 0-based index.
    line: Option<usize>,
}

/// Modifiers that say the patient was told Medicare may not pay (ABN signed, GA) or that the
/// service is billed for a denial on purpose (GY statutorily excluded, GZ no ABN): the claim is
/// then expected to go out over the limit, so the finding is a warning.
const OVER_LIMIT_MODIFIERS: [&str; 3] = ["GA", "GY", "GZ"];

/// `frequency.exceeded`: each line whose code has a limit and whose units, with the patient's
/// other billed services of that code (and this encounter's earlier lines) in some period
/// containing the line's date, exceed the limit. `billed` holds the patient's services of the
/// limited codes on other active claims, any date.
pub fn frequency_findings(
    input: &ScrubInput,
    limits: &[FrequencyLimit],
    billed: &[BilledService],
) -> Vec<Finding> {
    let mut out = Vec::new();
    if limits.is_empty() {
        return out;
    }
    for (i, line) in input.lines.iter().enumerate() {
        let code = line.code.trim().to_ascii_uppercase();
        let date = line.date_of_service.unwrap_or(input.date_of_service);
        let mut counted: Vec<Counted<'_>> = billed
            .iter()
            .filter(|b| b.code == code)
            .map(|b| Counted {
                date: b.date_of_service,
                units: b.units,
                claim: Some((b.claim_number.as_str(), b.line_no)),
                line: None,
            })
            .collect();
        // Earlier lines of this encounter count first, so of two equal lines only the second is
        // flagged.
        for (j, other) in input.lines.iter().enumerate().take(i + 1) {
            if other.code.trim().eq_ignore_ascii_case(&code) {
                counted.push(Counted {
                    date: other.date_of_service.unwrap_or(input.date_of_service),
                    units: other.units.max(0),
                    claim: None,
                    line: Some(j),
                });
            }
        }
        for limit in limits.iter().filter(|l| l.code == code) {
            if let Some(others) = exceeded(limit, date, &counted) {
                out.push(finding(
                    i,
                    line_modifiers_allow(&line.modifiers),
                    &code,
                    date,
                    limit,
                    &others,
                ));
                break;
            }
        }
    }
    out
}

fn line_modifiers_allow(modifiers: &[String]) -> bool {
    modifiers
        .iter()
        .any(|m| OVER_LIMIT_MODIFIERS.contains(&m.trim().to_ascii_uppercase().as_str()))
}

/// The services (other than the line itself) in the first period containing `date` whose units
/// exceed the limit, or `None` when every such period is within it.
fn exceeded<'a>(
    limit: &FrequencyLimit,
    date: NaiveDate,
    counted: &[Counted<'a>],
) -> Option<Vec<Counted<'a>>> {
    // A period over the limit that contains `date` can always be moved to start at one of the
    // services in it without losing any: trying each service's date as the start is enough.
    for start in counted.iter().map(|c| c.date) {
        if start > date || !limit.window_holds(start, date) {
            continue;
        }
        let inside: Vec<Counted<'a>> = counted
            .iter()
            .filter(|c| limit.window_holds(start, c.date))
            .copied()
            .collect();
        let units: i64 = inside.iter().map(|c| i64::from(c.units)).sum();
        if units > i64::from(limit.max_units) {
            return Some(inside);
        }
    }
    None
}

fn finding(
    i: usize,
    warn_only: bool,
    code: &str,
    date: NaiveDate,
    limit: &FrequencyLimit,
    inside: &[Counted<'_>],
) -> Finding {
    let mut seen: Vec<String> = inside
        .iter()
        .filter(|c| c.line != Some(i))
        .map(|c| match (c.claim, c.line) {
            (Some((number, line_no)), _) => {
                format!("claim {number} line {line_no} on {}", day(c.date))
            }
            (None, Some(j)) => format!("line {} of this encounter on {}", j + 1, day(c.date)),
            (None, None) => day(c.date),
        })
        .collect();
    seen.sort();
    let already = if seen.is_empty() {
        "the line's own units are over it".to_string()
    } else {
        format!("already billed: {}", seen.join(", "))
    };
    let (severity, suggestion) = if warn_only {
        (
            Severity::Warning,
            "The line carries GA/GY/GZ: it goes out expecting the payer to deny it, and the patient may be billed as the notice allows.".to_string(),
        )
    } else {
        (
            Severity::Error,
            "Check the date of the earlier service; if the patient signed an Advance Beneficiary Notice, add modifier GA (or GZ without one) so the denial can go to the patient; otherwise remove the line.".to_string(),
        )
    };
    Finding {
        rule: "frequency.exceeded".into(),
        severity,
        message: format!(
            "Line {} ({code} on {}): {} is paid {} by this payer; {already}. The payer will deny it (CARC 119, benefit maximum for this period reached).",
            i + 1,
            day(date),
            limit.description,
            limit.phrase(),
        ),
        path: format!("/lines/{i}/code"),
        code_set_version: None,
        suggestion: Some(suggestion),
    }
}
