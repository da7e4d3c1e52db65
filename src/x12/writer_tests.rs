//! Unit tests of the 837P writer.

use super::sample::{
    self, envelope, snapshot, transaction, with_dependent, with_providers, with_size,
};
use super::*;

fn write(claims: Vec<ClaimSnapshot>) -> Result<String, X12Error> {
    write_837p(
        &envelope(1),
        &[transaction(1, claims)],
        WriteOptions::default(),
    )
}

fn segs(text: &str) -> Vec<Vec<&str>> {
    text.split('~')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.split('*').collect())
        .collect()
}

#[test]
fn dump_sample() {
    let claims = vec![
        with_providers(with_size(snapshot(1), 12, 3)),
        with_dependent(snapshot(2)),
        snapshot(3),
    ];
    let text = write_837p(
        &envelope(1),
        &[transaction(1, claims)],
        WriteOptions { line_breaks: true },
    )
    .unwrap();
    std::fs::write("/tmp/x12-sample.837", &text).unwrap();
    let _ = sample::DIAGNOSES;
    let _ = segs(&text);
    let _ = write(vec![snapshot(1)]);
}
