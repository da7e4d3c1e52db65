//! 271 reader benchmark: the active-coverage fixture (20 EB segments with MSG, DTP and a 2120
//! loop) read into the typed result, then summarised for the front desk. Target: at most
//! 50 µs per 271 (issue 16).

use std::hint::black_box;

use criterion::Criterion;
use medbill::eligibility::summary::summarize;
use medbill::x12::elig::read_271;

fn main() {
    let text = include_str!("../tests/fixtures/x12/271/active.271");
    let ebs = text.lines().filter(|l| l.starts_with("EB*")).count();
    println!("271 with {ebs} EB segments, {} bytes", text.len());
    let asked = vec!["30".to_string(), "98".to_string()];
    let mut c = Criterion::default().configure_from_args();
    c.bench_function("271 read, 20 EB", |b| {
        b.iter(|| read_271(black_box(text)).map(|e| e.subscriber.map(|m| m.benefits.len())))
    });
    c.bench_function("271 read + summary, 20 EB", |b| {
        b.iter(|| read_271(black_box(text)).map(|e| summarize(&e, black_box(&asked))))
    });
    c.final_summary();
}
