//! Scrubber benchmark: one encounter with 12 diagnoses and 50 service lines against the
//! embedded code tables (target: at most 100 us per encounter; see docs/scrubber.md).

use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use criterion::Criterion;
use medbill::codesets::{ClaimLine, CodeSystem, CodeTables};
use medbill::scrub::{scrub, CoverageFacts, LineFacts, PatientFacts, ProviderFacts, ScrubInput};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// 12 billable diagnoses (one Excludes1 pair among them: E11.9 / E10.9).
const DIAGNOSES: [&str; 12] = [
    "E11.9", "I10", "E78.5", "Z79.4", "J30.9", "M54.50", "K21.9", "F41.9", "G47.00", "R51.9",
    "N39.0", "E10.9",
];

/// Lab, E/M, injection and HCPCS codes seen on office claims (CPT ones come back "not loaded").
const CODES: [&str; 25] = [
    "99213", "36415", "80053", "80061", "85025", "83036", "84443", "81003", "87086", "82565",
    "G0008", "G0009", "90686", "90471", "96372", "J1885", "J3420", "93000", "71046", "80047",
    "82947", "84153", "86803", "87804", "G0439",
];

fn encounter() -> ScrubInput {
    let lines: Vec<LineFacts> = (0..50)
        .map(|i| LineFacts {
            code: CODES[i % CODES.len()].to_string(),
            modifiers: match i % 7 {
                0 => vec!["59".to_string()],
                3 => vec!["25".to_string(), "GA".to_string()],
                5 => vec!["XU".to_string()],
                _ => Vec::new(),
            },
            units: 1 + (i % 3) as i32,
            charge_cents: 2_500 + 100 * i as i64,
            diagnosis_pointers: (0..(1 + i % 4))
                .map(|k| ((i + k) % 12 + 1) as i32)
                .collect(),
            // Two dates of service so NCCI pairs are checked within each date.
            date_of_service: (i >= 25).then(|| day(2026, 5, 2)),
            place_of_service: None,
        })
        .collect();
    ScrubInput {
        today: day(2026, 5, 10),
        date_of_service: day(2026, 5, 1),
        place_of_service: Some("11".to_string()),
        patient: PatientFacts {
            birth_date: day(1970, 3, 15),
            sex: "F".to_string(),
        },
        diagnoses: DIAGNOSES.iter().map(|c| c.to_string()).collect(),
        mue_max_units: (0..50).map(|i| (i % 5 == 0).then_some(2)).collect(),
        mue_version: Some("MUE (bench)".to_string()),
        lines,
        rendering_provider: Some(ProviderFacts {
            npi: "1234567893".to_string(),
            tax_id: None,
        }),
        billing_provider: Some(ProviderFacts {
            npi: "1987654328".to_string(),
            tax_id: Some("123456789".to_string()),
        }),
        referring_provider: None,
        coverage: Some(CoverageFacts {
            effective_from: day(2026, 1, 1),
            effective_to: None,
            timely_filing_days: 365,
        }),
    }
}

/// Mean time of `f` over `n` runs, in microseconds.
fn mean_us(n: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

/// Rough cost of the parts that use the code tables, printed before the criterion run.
fn breakdown(t: &CodeTables, input: &ScrubInput) {
    let n = 2_000;
    let dos = input.date_of_service;
    let mods: Vec<Vec<&str>> = input
        .lines
        .iter()
        .map(|l| l.modifiers.iter().map(String::as_str).collect())
        .collect();
    let claim: Vec<ClaimLine<'_>> = input
        .lines
        .iter()
        .zip(&mods)
        .map(|(l, m)| ClaimLine {
            code: &l.code,
            modifiers: m,
            date_of_service: l.date_of_service.unwrap_or(dos),
        })
        .collect();
    let ncci = mean_us(n, || {
        black_box(t.check_claim_lines(black_box(&claim)));
    });
    let ex1 = mean_us(n, || {
        for (i, a) in input.diagnoses.iter().enumerate() {
            for b in &input.diagnoses[i + 1..] {
                let _ = black_box(t.excludes1_conflict(a, b, dos));
            }
        }
    });
    let icd = mean_us(n, || {
        for c in &input.diagnoses {
            let _ = black_box(t.lookup(CodeSystem::Icd10cm, c, dos));
        }
    });
    let procs = mean_us(n, || {
        for l in &input.lines {
            let sys = if l.code.starts_with(|c: char| c.is_ascii_digit()) {
                CodeSystem::Cpt
            } else {
                CodeSystem::Hcpcs
            };
            let _ = black_box(t.lookup(sys, &l.code, dos));
        }
    });
    let modifiers = mean_us(n, || {
        for l in &input.lines {
            for m in &l.modifiers {
                black_box(t.modifier(m, dos));
            }
        }
    });
    let whole = mean_us(n, || {
        black_box(scrub(black_box(input), t));
    });
    println!(
        "breakdown (mean us): whole {whole:.1}; NCCI check_claim_lines {ncci:.1}; Excludes1 66 pairs {ex1:.1}; 12 ICD lookups {icd:.1}; 50 procedure lookups {procs:.1}; modifiers {modifiers:.1}"
    );
}

fn main() {
    let Ok(tables) = CodeTables::embedded() else {
        eprintln!("code tables failed to load");
        return;
    };
    let input = encounter();
    let findings = scrub(&input, tables);
    let errors = findings
        .iter()
        .filter(|f| f.severity == medbill::scrub::Severity::Error)
        .count();
    println!(
        "scrub bench encounter: 12 diagnoses, 50 lines -> {} findings ({errors} errors)",
        findings.len()
    );
    let mut rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    for r in rules {
        let k = findings.iter().filter(|f| f.rule == r).count();
        println!("  {r}: {k}");
    }
    breakdown(tables, &input);
    let mut c = Criterion::default().configure_from_args();
    c.bench_function("scrub 12 diagnoses x 50 lines", |b| {
        b.iter(|| scrub(black_box(&input), tables))
    });
    c.final_summary();
}
