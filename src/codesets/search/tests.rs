//! Unit tests of the word index: ranking of prefixes, typos and shortened words, and the typo
//! index against a scan of the whole vocabulary.

#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn prefix_words_rank_earlier_matches_first() {
    let titles = [
        Some("Pre-existing type 2 diabetes mellitus, in pregnancy"),
        Some("Type 2 diabetes mellitus without complications"),
        Some("Type 2 diabetes mellitus"),
        Some("Type 1 diabetes mellitus"),
        None,
    ];
    let idx = WordIndex::build(titles.iter().copied());
    assert_eq!(idx.search("diab mel typ 2", 10, |_| true), vec![2, 1, 0]);
    assert_eq!(idx.search("DIAB", 2, |_| true).len(), 2);
    assert!(idx.search("zzz", 10, |_| true).is_empty());
    assert_eq!(idx.search("diab", 10, |d| d == 3), vec![3]);
}

#[test]
fn typos_and_shortened_words_match_at_a_lower_grade() {
    let titles = [
        Some("Pneumonia, unspecified organism"),
        Some("Admin influenza virus vac"),
    ];
    let idx = WordIndex::build(titles.iter().copied());
    assert_eq!(idx.search("pnuemonia", 10, |_| true), vec![0]);
    assert_eq!(idx.search("influenza vaccine", 10, |_| true), vec![1]);
    // Four letters are too few to guess a typo.
    assert!(idx.search("vurs", 10, |_| true).is_empty());
    let q = [idx.query_word("pnuemonia", "pnuemonia", false)];
    let mut got = Vec::new();
    idx.matches(&q, |_| true, |d, m| got.push((d, m.typo, m.extra)));
    assert_eq!(got, vec![(0, true, 0)]);
    let mut tail = Vec::new();
    idx.matches(&q, |_| true, |_, m| tail.push(m.extra_tail));
    assert_eq!(tail, vec![1], "\"organism\" qualifies after the comma");
}

/// The old typo lookup: every word of the vocabulary compared with `one_edit`.
fn typo_scan(idx: &WordIndex, norm: &str, raw: &str) -> Vec<u32> {
    let raw_s = raw.strip_suffix('s').unwrap_or(raw);
    let forms = [norm, raw, raw_s];
    (0..idx.nwords())
        .filter(|&i| {
            let w = idx.word(i);
            w.len().abs_diff(norm.len()) <= 2
                && w.len() >= 4
                && forms.iter().any(|f| one_edit(f, w))
        })
        .map(|i| i as u32)
        .collect()
}

/// Typos of a word: each byte replaced by the next letter, dropped, doubled, swapped with its
/// neighbour, and an "s" added (plural typed, raw form differs from the normalised one).
fn mangle(w: &str) -> Vec<String> {
    let b = w.as_bytes();
    let mut out = vec![format!("{w}s")];
    for i in 0..b.len() {
        let mut r = b.to_vec();
        r[i] = if r[i] == b'z' {
            b'a'
        } else {
            r[i].wrapping_add(1)
        };
        let mut d = b.to_vec();
        d.remove(i);
        let mut ins = b.to_vec();
        ins.insert(i, b[i]);
        let mut sw = b.to_vec();
        if i + 1 < b.len() {
            sw.swap(i, i + 1);
        }
        for v in [r, d, ins, sw] {
            if let Ok(s) = String::from_utf8(v) {
                out.push(s);
            }
        }
    }
    out
}

#[test]
fn typo_index_finds_exactly_the_words_a_full_scan_finds() {
    let tables = crate::codesets::CodeTables::embedded().unwrap();
    for idx in [&tables.icd_docs.index, &tables.hcpcs_docs.index] {
        let mut checked = 0;
        let mut found = 0;
        // Every 97th word of the vocabulary, mangled every way, plus the mix's typos.
        let sample = (0..idx.nwords())
            .step_by(97)
            .map(|i| idx.word(i).to_string());
        let typed = [
            "pnuemonia",
            "hypertenson",
            "diabetis",
            "asthama",
            "migrane",
            "kidneys",
        ];
        for w in sample.chain(typed.map(String::from)) {
            for raw in mangle(&w).into_iter().chain([w.clone()]) {
                let norm = text::normalize_word(&raw);
                let got = idx.typo_words(&norm, &raw);
                assert_eq!(got, typo_scan(idx, &norm, &raw), "{raw}");
                checked += 1;
                found += got.len();
            }
        }
        assert!(checked > 1000 && found > checked / 2, "{checked} {found}");
    }
}

#[test]
fn signatures_never_skip_a_document_that_matches() {
    // `visit` skips documents lacking a query word's signature bits (session 13): every
    // document that matches must have them, over every document of both indexes.
    let tables = crate::codesets::CodeTables::embedded().unwrap();
    let queries = [
        "fracture wrist",
        "low back pain",
        "diab mel typ 2",
        "pregnancy",
        "pnuemonia",
        "hypertenson",
        "otitis media",
        "influenza vac",
        "glucose test strips",
        "injection",
        "2",
        "ab",
        "the",
        "e11",
    ];
    for (idx, hcpcs) in [
        (&tables.icd_docs.index, false),
        (&tables.hcpcs_docs.index, true),
    ] {
        let (mut matched, mut skipped) = (0, 0);
        for q in queries {
            let qws: Vec<QueryWord> = q
                .split(' ')
                .map(|w| idx.query_word(&text::normalize_word(w), w, hcpcs))
                .collect();
            for d in 0..idx.doc_core.len() {
                let passes = qws.iter().all(|w| idx.doc_sig[d] & w.sig != 0);
                if idx.match_doc(d, &qws).is_some() {
                    assert!(passes, "{q}: document {d}");
                    matched += 1;
                } else {
                    skipped += usize::from(!passes);
                }
            }
        }
        assert!(
            matched > 100 && skipped > 10 * matched,
            "{matched} {skipped}"
        );
    }
}
