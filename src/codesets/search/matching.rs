//! Matching documents against resolved query words (issue 17 moved it here from `search.rs`):
//! candidates come from the postings of the rarest query word, each document is visited once,
//! and every query word is graded against the document's words.

use super::{QueryWord, WordIndex, EXACT, PREFIX, TYPO};
use crate::codesets::text::is_stopword;

/// How one document matched a whole query.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DocMatch {
    /// Sum of the per-word grades.
    pub grades: u32,
    /// Position of the earliest matched word.
    pub first: u32,
    /// Core words of the document's name (before the first comma) that no query word matched.
    pub extra: u32,
    /// Core words after the first comma (qualifiers) that no query word matched.
    pub extra_tail: u32,
    /// True if the query words appear in order, side by side (stop words aside).
    pub phrase: bool,
    /// Number of neighbouring query words that are also neighbours, in order, in the document.
    pub pairs: u32,
    /// True if a word matched only with a typo.
    pub typo: bool,
}

impl WordIndex {
    /// Documents holding a match for every query word, with how they matched; `keep` filters
    /// documents before they are scored.
    pub fn matches(
        &self,
        query: &[QueryWord],
        mut keep: impl FnMut(u32) -> bool,
        mut out: impl FnMut(u32, DocMatch),
    ) {
        if query.is_empty() || query.iter().any(QueryWord::is_empty) {
            return;
        }
        let size = |q: &QueryWord| {
            let (lo, hi) = q.prefix;
            let extra: u32 = q
                .shortened
                .iter()
                .chain(&q.typo)
                .map(|&w| self.post_start[w as usize + 1] - self.post_start[w as usize])
                .sum();
            self.post_start[hi as usize] - self.post_start[lo as usize] + extra
        };
        let Some(rarest) = query.iter().min_by_key(|q| size(q)) else {
            return;
        };
        let (lo, hi) = rarest.prefix;
        let ranges: Vec<(usize, usize)> = std::iter::once((
            self.post_start[lo as usize] as usize,
            self.post_start[hi as usize] as usize,
        ))
        .chain(rarest.shortened.iter().chain(&rarest.typo).map(|&w| {
            (
                self.post_start[w as usize] as usize,
                self.post_start[w as usize + 1] as usize,
            )
        }))
        .collect();
        SEEN.with(|cell| {
            // Another `matches` on this thread (none today) would get its own bitmap.
            let mut own = Vec::new();
            let mut shared = cell.try_borrow_mut().ok();
            let seen = shared.as_deref_mut().unwrap_or(&mut own);
            let slots = self.doc_core.len().div_ceil(64);
            if seen.len() < slots {
                seen.resize(slots, 0);
            }
            // Clear only the slots this query visits, before use: whatever an earlier call
            // left (even one that panicked) cannot hide a document.
            for &(s, e) in &ranges {
                for &d in &self.postings[s..e] {
                    seen[d as usize / 64] = 0;
                }
            }
            self.visit(&ranges, seen, query, &mut keep, &mut out);
        });
    }

    /// Match the documents of `ranges` of postings once each, in order.
    fn visit(
        &self,
        ranges: &[(usize, usize)],
        seen: &mut [u64],
        query: &[QueryWord],
        keep: &mut impl FnMut(u32) -> bool,
        out: &mut impl FnMut(u32, DocMatch),
    ) {
        for &(s, e) in ranges {
            for &d in &self.postings[s..e] {
                let (slot, bit) = (d as usize / 64, 1u64 << (d % 64));
                if seen[slot] & bit != 0 {
                    continue;
                }
                seen[slot] |= bit;
                // A document lacking a query word's bits cannot match: skip the date test and
                // the word scan (see `signature`).
                let sig = self.doc_sig[d as usize];
                if query.iter().any(|q| sig & q.sig == 0) || !keep(d) {
                    continue;
                }
                if let Some(m) = self.match_doc(d as usize, query) {
                    out(d, m);
                }
            }
        }
    }

    pub(super) fn match_doc(&self, d: usize, query: &[QueryWord]) -> Option<DocMatch> {
        let words = &self.doc_words[self.doc_start[d] as usize..self.doc_start[d + 1] as usize];
        let mut m = DocMatch {
            grades: 0,
            first: u32::MAX,
            extra: 0,
            extra_tail: 0,
            phrase: query.len() > 1,
            pairs: 0,
            typo: false,
        };
        let mut used = 0u64;
        let mut last: Option<usize> = None;
        for q in query {
            // The best grade at its earliest unused position (see `best_graded`); most query
            // words have no shortened or typo words and take the tight scans.
            let best = if q.shortened.is_empty() && q.typo.is_empty() {
                let (lo, span) = (q.prefix.0, q.prefix.1 - q.prefix.0);
                best_in_range(words, lo, span, q.exact, used)
            } else {
                best_graded(words, q, used)
            };
            let (pos, grade) = best?;
            if pos < 64 {
                used |= 1 << pos;
            }
            m.grades += grade;
            m.typo |= grade == TYPO;
            m.first = m.first.min(pos as u32);
            if let Some(l) = last {
                let between = words.get(l + 1..pos).unwrap_or(&[]);
                if pos <= l || between.iter().any(|&w| !is_stopword(self.word(w as usize))) {
                    m.phrase = false;
                } else {
                    m.pairs += 1;
                }
            }
            last = Some(pos);
        }
        let matched = used.count_ones();
        let (head, tail) = (u32::from(self.doc_core[d].0), u32::from(self.doc_core[d].1));
        m.extra = head.saturating_sub(matched);
        m.extra_tail = tail.saturating_sub(matched.saturating_sub(head));
        Some(m)
    }
}

/// True if position `p` is free: not taken by an earlier query word (only the first 64
/// positions are tracked, as in `match_doc`).
fn free(used: u64, p: usize) -> bool {
    p >= 64 || used & (1 << p) == 0
}

/// The best (position, grade) of a query word with only a prefix range (and maybe an exact
/// word inside it): its first free position in the range, or a later free exact word. The
/// same answer as `best_graded`, but in tight `position` scans: this runs for every candidate
/// document, and the general loop cost about 12 instructions per document word.
fn best_in_range(
    words: &[u32],
    lo: u32,
    span: u32,
    exact: Option<u32>,
    used: u64,
) -> Option<(usize, u32)> {
    let mut from = 0;
    let first = loop {
        let at = from
            + words
                .get(from..)?
                .iter()
                .position(|&w| w.wrapping_sub(lo) < span)?;
        if free(used, at) {
            break at;
        }
        from = at + 1;
    };
    let Some(exact) = exact else {
        return Some((first, PREFIX));
    };
    if words[first] == exact {
        return Some((first, EXACT));
    }
    // A prefix match is kept unless a free exact match follows (the exact word is inside the
    // range, so none precedes `first` unused).
    let mut from = first + 1;
    loop {
        let tail = words.get(from..).unwrap_or(&[]);
        let Some(off) = tail.iter().position(|&w| w == exact) else {
            return Some((first, PREFIX));
        };
        if free(used, from + off) {
            return Some((from + off, EXACT));
        }
        from += off + 1;
    }
}

/// The best grade at its earliest free position; positions ascend, so the first exact match is
/// final. The exact word is inside the prefix range, so one range test settles most words;
/// `grade` is only asked about the rest (shortened or typo words).
fn best_graded(words: &[u32], q: &QueryWord, used: u64) -> Option<(usize, u32)> {
    let mut best: Option<(usize, u32)> = None;
    let (lo, span) = (q.prefix.0, q.prefix.1 - q.prefix.0);
    let exact = q.exact.unwrap_or(u32::MAX);
    for (p, &w) in words.iter().enumerate() {
        let g = if w.wrapping_sub(lo) < span {
            if w == exact {
                EXACT
            } else {
                PREFIX
            }
        } else {
            match q.grade(w) {
                Some(g) => g,
                None => continue,
            }
        };
        if !free(used, p) || best.is_some_and(|(_, b)| b <= g) {
            continue;
        }
        best = Some((p, g));
        if g == EXACT {
            break;
        }
    }
    best
}

thread_local! {
    /// Per thread, the documents `matches` has visited: zeroing a bitmap of every document
    /// (14 kB for ICD-10-CM) per query cost more than clearing the slots a query touches.
    static SEEN: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}
