//! `frequency.exceeded` at the edges of each kind of period.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;

use super::frequency::{frequency_findings, FrequencyLimit, PeriodKind};
use super::history::BilledService;
use super::testkit::{clean, d, line};
use super::{ScrubInput, Severity};

fn limit(code: &str, max: i32, kind: PeriodKind, months: u32) -> FrequencyLimit {
    FrequencyLimit {
        code: code.into(),
        max_units: max,
        kind,
        months,
        description: format!("Service {code}"),
    }
}

fn billed(code: &str, date: NaiveDate, units: i32) -> BilledService {
    BilledService {
        claim_number: "PCN7".into(),
        line_no: 1,
        date_of_service: date,
        code: code.into(),
        modifiers: String::new(),
        units,
    }
}

/// One line of `code` on `date`.
fn visit(code: &str, date: NaiveDate) -> ScrubInput {
    let mut e = clean();
    e.date_of_service = date;
    e.today = date;
    e.lines = vec![line(code, &[])];
    e
}

fn flagged(e: &ScrubInput, l: &FrequencyLimit, history: &[BilledService]) -> bool {
    let f = frequency_findings(e, std::slice::from_ref(l), history);
    assert!(f.len() <= 1, "{f:?}");
    f.first().is_some_and(|f| f.rule == "frequency.exceeded")
}

#[test]
fn rolling_months_end_the_day_before_the_same_date() {
    let l = limit("77067", 1, PeriodKind::RollingMonths, 12);
    let before = [billed("77067", d(2026, 3, 15), 1)];
    assert!(flagged(&visit("77067", d(2027, 3, 14)), &l, &before));
    assert!(!flagged(&visit("77067", d(2027, 3, 15)), &l, &before));
    // A later service already billed counts too: the earlier one then is the second in its
    // period.
    let after = [billed("77067", d(2027, 1, 10), 1)];
    assert!(flagged(&visit("77067", d(2026, 1, 11)), &l, &after));
    assert!(!flagged(&visit("77067", d(2026, 1, 10)), &l, &after));
}

#[test]
fn calendar_months_count_whole_months() {
    // Medicare's "11 full months after the month of the last visit".
    let l = limit("G0439", 1, PeriodKind::CalendarMonths, 12);
    let last = [billed("G0439", d(2026, 3, 31), 1)];
    assert!(flagged(&visit("G0439", d(2027, 2, 28)), &l, &last));
    assert!(!flagged(&visit("G0439", d(2027, 3, 1)), &l, &last));
}

#[test]
fn calendar_year_resets_on_january_first() {
    let l = limit("82270", 1, PeriodKind::CalendarYear, 0);
    let dec = [billed("82270", d(2026, 12, 31), 1)];
    assert!(flagged(&visit("82270", d(2026, 1, 1)), &l, &dec));
    assert!(!flagged(&visit("82270", d(2027, 1, 1)), &l, &dec));
}

#[test]
fn per_day_counts_units_and_lines() {
    let l = limit("J1100", 2, PeriodKind::Day, 0);
    let mut e = visit("J1100", d(2026, 5, 1));
    e.lines[0].units = 2;
    assert!(!flagged(&e, &l, &[]));
    e.lines[0].units = 3;
    assert!(flagged(&e, &l, &[]));
    e.lines[0].units = 1;
    assert!(flagged(&e, &l, &[billed("J1100", d(2026, 5, 1), 2)]));
    assert!(!flagged(&e, &l, &[billed("J1100", d(2026, 4, 30), 2)]));
    // Two lines of one encounter: only the second is over.
    e.lines = vec![line("J1100", &[]), line("J1100", &[]), line("J1100", &[])];
    let f = frequency_findings(&e, std::slice::from_ref(&l), &[]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].path, "/lines/2/code");
    assert!(
        f[0].message.contains("line 1 of this encounter"),
        "{}",
        f[0].message
    );
}

#[test]
fn lifetime_limits_never_reset() {
    let l = limit("G0438", 1, PeriodKind::Lifetime, 0);
    let long_ago = [billed("G0438", d(2011, 6, 1), 1)];
    let f = frequency_findings(
        &visit("G0438", d(2026, 5, 1)),
        std::slice::from_ref(&l),
        &long_ago,
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert!(
        f[0].message.contains("claim PCN7 line 1 on 2011-06-01"),
        "{}",
        f[0].message
    );
    assert!(
        f[0].message.contains("once per lifetime"),
        "{}",
        f[0].message
    );
    assert!(!flagged(&visit("G0438", d(2026, 5, 1)), &l, &[]));
}

#[test]
fn counts_above_one_use_the_busiest_period() {
    // Two per 12 months: three services inside any 12-month window are one too many.
    let l = limit("97597", 2, PeriodKind::RollingMonths, 12);
    let h = [
        billed("97597", d(2026, 1, 5), 1),
        billed("97597", d(2026, 11, 5), 1),
    ];
    assert!(flagged(&visit("97597", d(2026, 12, 1)), &l, &h));
    // 2027-01-05 is outside the first service's window: only two in [2026-11-05, 2027-11-05).
    assert!(!flagged(&visit("97597", d(2027, 1, 5)), &l, &h));
}

#[test]
fn abn_modifiers_turn_the_error_into_a_warning_and_other_codes_are_ignored() {
    let l = limit("G0439", 1, PeriodKind::CalendarMonths, 12);
    let h = [billed("G0439", d(2026, 1, 5), 1)];
    let mut e = visit("G0439", d(2026, 6, 1));
    e.lines[0].modifiers = vec!["ga".into()];
    let f = frequency_findings(&e, std::slice::from_ref(&l), &h);
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(
        frequency_findings(&visit("99213", d(2026, 6, 1)), std::slice::from_ref(&l), &h).is_empty()
    );
    assert!(frequency_findings(&visit("G0439", d(2026, 6, 1)), &[], &h).is_empty());
}

#[test]
fn period_kind_names_round_trip() {
    for k in [
        PeriodKind::Day,
        PeriodKind::CalendarYear,
        PeriodKind::RollingMonths,
        PeriodKind::CalendarMonths,
        PeriodKind::Lifetime,
    ] {
        assert_eq!(PeriodKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(PeriodKind::parse("weekly"), None);
}
