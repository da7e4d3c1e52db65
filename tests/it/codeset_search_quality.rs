//! Search quality (issue 14): runs every query of tests/search_quality/icd_hcpcs_queries.tsv
//! through `CodeTables::search` for 2026-05-01, prints top-1 and top-5 hit rates overall and per
//! category, and fails below the targets (top-5 95 %, top-1 75 %). Rerun with
//! `cargo test --test it codeset_search_quality -- --nocapture`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use medbill::codesets::{CodeSystem, CodeTables, MatchReason};

const SET: &str = include_str!("../search_quality/icd_hcpcs_queries.tsv");

#[derive(Default)]
struct Tally {
    n: usize,
    top1: usize,
    top5: usize,
}

fn pct(a: usize, n: usize) -> f64 {
    100.0 * a as f64 / n.max(1) as f64
}

#[test]
fn search_quality_meets_targets() {
    let tables = CodeTables::embedded().unwrap();
    let date = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let mut all = Tally::default();
    let mut by_cat: BTreeMap<String, Tally> = BTreeMap::new();
    let mut via_table = 0;
    let mut misses = Vec::new();
    for line in SET.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 4, "bad line {line:?}");
        let system = CodeSystem::parse(f[0]).unwrap();
        let (cat, query) = (f[1], f[2]);
        let want: Vec<&str> = f[3].split('|').collect();
        let hits = tables.search(system, query, date, 5);
        let shown: Vec<String> = hits.iter().map(|h| h.code.display(system)).collect();
        let pos = shown.iter().position(|c| want.contains(&c.as_str()));
        let t = by_cat.entry(format!("{}/{cat}", f[0])).or_default();
        for t in [&mut all, t] {
            t.n += 1;
            t.top1 += usize::from(pos == Some(0));
            t.top5 += usize::from(pos.is_some());
        }
        if let Some(p) = pos {
            if matches!(hits[p].matched, MatchReason::Term { .. }) {
                via_table += 1;
            }
        }
        if pos != Some(0) {
            misses.push(format!("  {query:?}: want {}, got {shown:?}", f[3]));
        }
    }
    println!("search quality: {} queries", all.n);
    for (cat, t) in &by_cat {
        println!(
            "  {cat:<24} {:>3} queries  top-1 {:5.1} %  top-5 {:5.1} %",
            t.n,
            pct(t.top1, t.n),
            pct(t.top5, t.n)
        );
    }
    println!(
        "  overall                  {:>3} queries  top-1 {:5.1} %  top-5 {:5.1} %",
        all.n,
        pct(all.top1, all.n),
        pct(all.top5, all.n)
    );
    println!("  found through the abbreviation/lay-term table: {via_table}");
    println!("not first:\n{}", misses.join("\n"));
    assert!(all.n >= 200, "the set must hold at least 200 queries");
    assert!(pct(all.top5, all.n) >= 95.0, "top-5 below 95 %");
    assert!(pct(all.top1, all.n) >= 75.0, "top-1 below 75 %");
}
