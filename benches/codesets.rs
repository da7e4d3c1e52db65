//! Code-table benchmarks: load, lookup, search, NCCI claim check; plus resident memory and
//! search latency percentiles printed before the criterion runs (see docs/performance.md).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{Criterion, Throughput};
use medbill::codesets::{ClaimLine, CodeSystem, CodeTables};

#[path = "support/search_mix.rs"]
mod search_mix;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default()
}

fn vm_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// A few thousand real ICD-10-CM codes, gathered through the public search API.
fn sample_codes(t: &CodeTables) -> Vec<String> {
    let mut out = Vec::new();
    for p in [
        "A0", "C5", "E1", "F3", "I1", "I2", "J4", "K5", "M5", "N1", "O2", "R1", "S7", "T3", "Z0",
        "Z8",
    ] {
        out.extend(
            t.search(CodeSystem::Icd10cm, p, date(), 300)
                .into_iter()
                .map(|h| h.code.display(CodeSystem::Icd10cm)),
        );
    }
    out
}

const QUERIES: [&str; 20] = [
    "diab mel typ 2",
    "hypert",
    "chest pain",
    "fract femur",
    "a",
    "pneumonia unsp",
    "acute kidney",
    "low back pain",
    "pregnan",
    "s",
    "migraine without aura",
    "copd exac",
    // Issue 14: abbreviations, lay terms, typos, British spellings, plurals, code headers.
    "CAD",
    "heart attack",
    "hypertenson",
    "pnuemonia",
    "anaemia",
    "kidney stones",
    "E11",
    "T2DM with neuropathy",
];

fn report_memory_and_search_latency() {
    let before = vm_rss_kib();
    let start = Instant::now();
    let tables = match CodeTables::load_embedded() {
        Ok(t) => t,
        Err(e) => panic!("load failed: {e}"),
    };
    let load = start.elapsed();
    let after = vm_rss_kib();
    println!("codesets: load_embedded {load:?}; VmRSS before {before} KiB, after {after} KiB, tables {} KiB", after - before);
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..50 {
        for q in QUERIES {
            let t0 = Instant::now();
            black_box(tables.search(CodeSystem::Icd10cm, q, date(), 20));
            times.push(t0.elapsed());
        }
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!(
        "codesets: search over ICD-10-CM titles, {} queries: p50 {:?} p99 {:?} max {:?}",
        times.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}

fn benches(c: &mut Criterion) {
    let tables = match CodeTables::load_embedded() {
        Ok(t) => t,
        Err(e) => panic!("load failed: {e}"),
    };
    let mut g = c.benchmark_group("codesets");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("load_embedded", |b| {
        b.iter(|| black_box(CodeTables::load_embedded().map(|t| t.overlays().len())))
    });
    g.finish();

    let codes = sample_codes(&tables);
    let mut g = c.benchmark_group("codesets");
    g.throughput(Throughput::Elements(codes.len() as u64));
    g.bench_function("lookup_icd10cm_batch", |b| {
        b.iter(|| {
            let mut billable = 0usize;
            for code in &codes {
                if let Ok(Some(info)) = tables.lookup(CodeSystem::Icd10cm, code, date()) {
                    billable += usize::from(info.billable);
                }
            }
            black_box(billable)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("codesets");
    for q in [
        "diab mel typ 2",
        "a",
        "chest pain",
        "hypertenson",
        "CAD",
        "hypertension",
        // Issue 17: the costly queries of benches/load/search_mix.lua.
        "pnuemonia",
        "T2DM with neuropathy",
        "copd exacerbation",
        "atrial fib",
        "fracture wrist",
    ] {
        g.bench_function(format!("search {q:?}"), |b| {
            b.iter(|| black_box(tables.search(CodeSystem::Icd10cm, q, date(), 20)))
        });
    }
    // Issue 17: the 32 queries of benches/load/search_mix.lua over 28 dates of 2025 (every
    // 12th of the script's 336), limit 20; criterion's time / 896 is the average per search.
    let (mix, mix_dates) = (search_mix::queries(), search_mix::dates());
    g.finish();
    let mut g = c.benchmark_group("codesets");
    g.throughput(Throughput::Elements((mix.len() * mix_dates.len()) as u64));
    g.bench_function("search mix (32 queries x 28 dates)", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for q in &mix {
                for &d in &mix_dates {
                    n += tables.search(CodeSystem::Icd10cm, q, d, 20).len();
                }
            }
            black_box(n)
        })
    });
    g.finish();
    let mut g = c.benchmark_group("codesets");
    g.bench_function("search hcpcs \"influenza vaccine administration\"", |b| {
        b.iter(|| {
            black_box(tables.search(
                CodeSystem::Hcpcs,
                "influenza vaccine administration",
                date(),
                20,
            ))
        })
    });
    let lab = [
        "80053", "80048", "80047", "80061", "85025", "85027", "84443", "83036", "82947", "81001",
        "87086", "36415", "99213", "99214", "93000", "71046", "G0008", "90686", "96372", "J1100",
        "20610", "11102", "17110", "69210", "94640",
    ];
    let day = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default();
    let no_mods: [&str; 0] = [];
    let with_59 = ["59"];
    let lines: Vec<ClaimLine<'_>> = (0..50)
        .map(|i| ClaimLine {
            code: lab[i % lab.len()],
            modifiers: if i % 7 == 0 { &with_59 } else { &no_mods },
            date_of_service: day,
        })
        .collect();
    g.bench_function("ncci_claim_50_lines", |b| {
        b.iter(|| black_box(tables.check_claim_lines(&lines).len()))
    });
    g.bench_function("ptp_edit_single", |b| {
        b.iter(|| {
            black_box(
                tables
                    .ptp_edit("80053", "80048", day)
                    .ok()
                    .flatten()
                    .is_some(),
            )
        })
    });
    g.finish();
}

fn main() {
    report_memory_and_search_latency();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
}
