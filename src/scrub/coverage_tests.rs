//! Date, place of service, coverage and timely filing rules: each fires, and a close case does not.

#![allow(clippy::unwrap_used)]

use super::testkit::*;
use super::Severity;

#[test]
fn date_of_service_not_in_the_future() {
    let mut e = clean();
    e.today = d(2026, 4, 30);
    let hit = one(&run(&e), "dos.future").clone();
    assert_eq!(hit.path, "/date_of_service");
    e.today = d(2026, 5, 1);
    none(&run(&e), "dos.future");
}

#[test]
fn place_of_service_known_and_present() {
    let mut e = clean();
    e.place_of_service = Some("00".into());
    assert_eq!(one(&run(&e), "pos.unknown").path, "/place_of_service");
    e.place_of_service = None;
    assert_eq!(one(&run(&e), "pos.missing").path, "/place_of_service");
    for l in &mut e.lines {
        l.place_of_service = Some("11".into());
    }
    let f = run(&e);
    none(&f, "pos.missing");
    none(&f, "pos.unknown");
}

#[test]
fn coverage_missing() {
    let mut e = clean();
    e.coverage = None;
    assert_eq!(one(&run(&e), "coverage.missing").path, "/coverage_id");
    none(&run(&clean()), "coverage.missing");
}

#[test]
fn date_inside_the_coverage_dates() {
    let mut e = clean();
    e.coverage.as_mut().unwrap().effective_from = d(2026, 5, 2);
    let hit = one(&run(&e), "coverage.dates").clone();
    assert_eq!(hit.path, "/date_of_service");
    assert!(
        hit.message
            .contains("before the coverage starts (2026-05-02)"),
        "{}",
        hit.message
    );
    let cov = e.coverage.as_mut().unwrap();
    cov.effective_from = d(2026, 1, 1);
    cov.effective_to = Some(d(2026, 4, 30));
    assert!(one(&run(&e), "coverage.dates")
        .message
        .contains("ended (2026-04-30)"));
    e.coverage.as_mut().unwrap().effective_to = Some(d(2026, 5, 1));
    none(&run(&e), "coverage.dates");
    // A line with its own later date past the end.
    e.lines[2].date_of_service = Some(d(2026, 5, 2));
    assert_eq!(
        one(&run(&e), "coverage.dates").path,
        "/lines/2/date_of_service"
    );
}

#[test]
fn timely_filing_warns_within_30_days_and_errors_when_past() {
    let mut e = clean();
    e.coverage.as_mut().unwrap().timely_filing_days = 90; // deadline 2026-07-30
    e.today = d(2026, 6, 29);
    none(&run(&e), "timely_filing");
    e.today = d(2026, 6, 30);
    let hit = one(&run(&e), "timely_filing").clone();
    assert_eq!(
        (hit.severity, hit.path.as_str()),
        (Severity::Warning, "/date_of_service")
    );
    assert!(
        hit.message.contains("2026-07-30") && hit.message.contains("30 days left"),
        "{}",
        hit.message
    );
    e.today = d(2026, 7, 30);
    assert_eq!(one(&run(&e), "timely_filing").severity, Severity::Warning);
    e.today = d(2026, 7, 31);
    let hit = one(&run(&e), "timely_filing").clone();
    assert_eq!(hit.severity, Severity::Error);
    assert!(
        hit.message.contains("1 days ago") || hit.message.contains("1 day ago"),
        "{}",
        hit.message
    );
}
