//! 837P writer benchmark: 10,000 claims into one interchange (target: at most 1 s; see
//! docs/x12.md). Claims have 4 diagnoses and 3 lines, a rendering provider, and one in three
//! is for a dependent; they go in two transaction sets of 5,000 (the guide's limit per set).

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use medbill::x12::sample::{
    envelope, snapshot, transaction, with_dependent, with_providers, with_size,
};
use medbill::x12::{write_837p, ClaimSnapshot, Transaction, WriteOptions};

fn claims(n: usize, diagnoses: usize, lines: usize) -> Vec<ClaimSnapshot> {
    (0..n)
        .map(|i| {
            let c = with_providers(with_size(snapshot(i), diagnoses, lines));
            if i % 3 == 0 {
                with_dependent(c)
            } else {
                c
            }
        })
        .collect()
}

fn batch(n: usize, diagnoses: usize, lines: usize) -> Vec<Transaction> {
    let all = claims(n, diagnoses, lines);
    all.chunks(5_000)
        .enumerate()
        .map(|(i, c)| transaction(i as u32 + 1, c.to_vec()))
        .collect()
}

fn once(label: &str, sets: &[Transaction]) {
    let env = envelope(1);
    let start = Instant::now();
    let out = write_837p(&env, sets, WriteOptions::default());
    let took = start.elapsed();
    match out {
        Ok(text) => println!(
            "{label}: {:.1} ms, {:.1} MB, {} segments",
            took.as_secs_f64() * 1e3,
            text.len() as f64 / 1e6,
            text.matches('~').count()
        ),
        Err(e) => eprintln!("{label}: {e}"),
    }
}

fn main() {
    let typical = batch(10_000, 4, 3);
    once("10,000 claims (4 dx, 3 lines)", &typical);
    once("10,000 claims (12 dx, 50 lines)", &batch(10_000, 12, 50));
    let env = envelope(1);
    let mut c = Criterion::default().sample_size(20).configure_from_args();
    c.bench_function("837P 10,000 claims (4 dx, 3 lines)", |b| {
        b.iter(|| {
            write_837p(
                black_box(&env),
                black_box(&typical),
                WriteOptions::default(),
            )
        })
    });
    c.final_summary();
}
