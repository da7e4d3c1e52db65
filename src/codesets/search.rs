//! The word index under search: an inverted index of normalised words (see `text`) over
//! documents (titles, inclusion terms, includes notes), matched per query word exactly, as a
//! prefix, as an abbreviation in the document ("vac" for "vaccine"), or with one typo.

use std::collections::HashMap;

use crate::codesets::text::{self, is_stopword, one_edit, GENERAL_WORDS};
use crate::codesets::typo::TypoIndex;
use signature::WordBits;

/// How well one query word matched a document word; lower is better.
pub(crate) const EXACT: u32 = 0;
pub(crate) const PREFIX: u32 = 1;
pub(crate) const SHORTENED: u32 = 1;
pub(crate) const TYPO: u32 = 3;

/// Words of documents -> documents, and documents -> their words in order.
pub(crate) struct WordIndex {
    words: String,
    word_off: Vec<u32>,
    post_start: Vec<u32>,
    postings: Vec<u32>,
    doc_start: Vec<u32>,
    doc_words: Vec<u32>,
    /// Words outside brackets that are neither stop words nor "unspecified"-like (capped at
    /// 255), before the first comma (the name) and after it (qualifiers).
    doc_core: Vec<(u8, u8)>,
    /// Words of 4 bytes or more by their one-deletion keys, for typo lookup.
    typos: TypoIndex,
    /// Per word, its bit in the signatures; per document, the signature of its words.
    bits: WordBits,
    doc_sig: Vec<u64>,
}

/// Lower-case, normalised words of a text (see `text::words`).
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    text::words(text)
}

/// Hyphenated words also indexed joined ("Pre-eclampsia" answers "preeclampsia").
fn joined<'a>(text: &'a str) -> impl Iterator<Item = std::borrow::Cow<'a, str>> + 'a {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| {
            w.contains('-')
                && w.split('-')
                    .all(|p| !p.is_empty() && p.chars().all(char::is_alphabetic))
        })
        .map(|w| {
            let j: String = w.chars().filter(|&c| c != '-').collect();
            std::borrow::Cow::Owned(text::normalize_word(&j).into_owned())
        })
}

/// Number of meaningful words before and after the first comma; brackets hold nonessential
/// modifiers in ICD-10-CM and are not counted.
fn core_count(text: &str) -> (u8, u8) {
    let mut depth = 0i32;
    let (mut head, mut tail) = (String::with_capacity(text.len()), String::new());
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | ';' if depth <= 0 && tail.is_empty() => tail.push(' '),
            _ if depth <= 0 && tail.is_empty() => head.push(c),
            _ if depth <= 0 => tail.push(c),
            _ => {}
        }
    }
    let count = |s: &str| {
        tokens(s)
            .filter(|w| !is_stopword(w) && !GENERAL_WORDS.contains(&w.as_ref()))
            .count()
            .min(255) as u8
    };
    (count(&head), count(&tail))
}

/// One query word resolved against the vocabulary.
#[derive(Debug, Default)]
pub(crate) struct QueryWord {
    /// Word ids equal to the word (after normalisation).
    exact: Option<u32>,
    /// Word ids starting with it.
    prefix: (u32, u32),
    /// Document words the query word starts with (at least 3 letters): shortened descriptors.
    shortened: Vec<u32>,
    /// Document words one typo away (query words of 5 letters or more with no exact match).
    typo: Vec<u32>,
    /// The signature bits of every word above: a document without one cannot match.
    sig: u64,
}

impl QueryWord {
    /// Grade of a document word; `match_doc` tests the prefix range itself and asks this only
    /// when there are shortened or typo words.
    fn grade(&self, w: u32) -> Option<u32> {
        if self.exact == Some(w) {
            Some(EXACT)
        } else if self.prefix.0 <= w && w < self.prefix.1 {
            Some(PREFIX)
        } else if self.shortened.contains(&w) {
            Some(SHORTENED)
        } else if self.typo.contains(&w) {
            Some(TYPO)
        } else {
            None
        }
    }

    fn is_empty(&self) -> bool {
        self.prefix.0 == self.prefix.1 && self.shortened.is_empty() && self.typo.is_empty()
    }
}

impl WordIndex {
    /// Index `texts[doc]` for doc ids `0..texts.len()`; `None` texts are not searchable.
    pub fn build<'a>(texts: impl ExactSizeIterator<Item = Option<&'a str>>) -> WordIndex {
        let ndocs = texts.len();
        let mut ids: HashMap<std::borrow::Cow<'a, str>, u32> = HashMap::with_capacity(1 << 15);
        let mut doc_start = Vec::with_capacity(ndocs + 1);
        let mut doc_words = Vec::with_capacity(ndocs * 8);
        let mut doc_core = Vec::with_capacity(ndocs);
        for t in texts {
            doc_start.push(doc_words.len() as u32);
            doc_core.push(t.map_or((255, 0), core_count));
            for w in t
                .into_iter()
                .flat_map(tokens)
                .chain(t.into_iter().flat_map(joined))
            {
                let next = ids.len() as u32;
                doc_words.push(*ids.entry(w).or_insert(next));
            }
        }
        doc_start.push(doc_words.len() as u32);
        // Renumber words in sorted order so that a prefix selects one contiguous id range.
        let mut vocab: Vec<(std::borrow::Cow<'a, str>, u32)> = ids.into_iter().collect();
        vocab.sort_unstable();
        let mut remap = vec![0u32; vocab.len()];
        let mut words = String::new();
        let mut word_off = Vec::with_capacity(vocab.len() + 1);
        for (new, (w, old)) in vocab.iter().enumerate() {
            remap[*old as usize] = new as u32;
            word_off.push(words.len() as u32);
            words.push_str(w);
        }
        word_off.push(words.len() as u32);
        for w in doc_words.iter_mut() {
            *w = remap[*w as usize];
        }
        let mut count = vec![0u32; vocab.len() + 1];
        for &w in &doc_words {
            count[w as usize + 1] += 1;
        }
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        let post_start = count.clone();
        let mut fill = count;
        let mut postings = vec![0u32; doc_words.len()];
        for d in 0..ndocs {
            for &w in &doc_words[doc_start[d] as usize..doc_start[d + 1] as usize] {
                postings[fill[w as usize] as usize] = d as u32;
                fill[w as usize] += 1;
            }
        }
        // Shorter words are never typo answers (see `typo_words`).
        let nwords = word_off.len() - 1;
        let word = |i: usize| &words[word_off[i] as usize..word_off[i + 1] as usize];
        let typos = TypoIndex::build(nwords, word, |w| w.len() >= 4);
        let bits = WordBits::build(nwords, word, |i| post_start[i + 1] - post_start[i]);
        let doc_sig = (0..ndocs)
            .map(|d| bits.of_doc(&doc_words[doc_start[d] as usize..doc_start[d + 1] as usize]))
            .collect();
        WordIndex {
            words,
            word_off,
            post_start,
            postings,
            doc_start,
            doc_words,
            doc_core,
            typos,
            bits,
            doc_sig,
        }
    }

    /// Number of words in the vocabulary.
    pub(crate) fn nwords(&self) -> usize {
        self.word_off.len() - 1
    }

    /// Word `i` of the sorted vocabulary.
    pub(crate) fn word(&self, i: usize) -> &str {
        &self.words[self.word_off[i] as usize..self.word_off[i + 1] as usize]
    }

    fn find_word(&self, w: &str) -> Option<u32> {
        let i = partition(self.nwords(), |i| self.word(i) < w);
        (i < self.nwords() && self.word(i) == w).then_some(i as u32)
    }

    /// Word ids starting with `prefix`, as a half-open range.
    fn prefix_range(&self, prefix: &str) -> (u32, u32) {
        let n = self.nwords();
        let lo = partition(n, |i| self.word(i) < prefix);
        let hi = lo + partition(n - lo, |i| self.word(lo + i).starts_with(prefix));
        (lo as u32, hi as u32)
    }

    /// Resolve a normalised query word (`raw` is the lower-cased word as typed, for typos).
    pub fn query_word(&self, norm: &str, raw: &str, shortened: bool) -> QueryWord {
        let mut q = QueryWord {
            exact: self.find_word(norm),
            prefix: self.prefix_range(norm),
            ..QueryWord::default()
        };
        let chars: Vec<(usize, char)> = norm.char_indices().collect();
        if shortened && chars.len() > 3 && chars.iter().all(|(_, c)| c.is_ascii_alphabetic()) {
            // At least a third of the word: "vac" for "vaccine", not "med" for "medroxy...".
            let min = (chars.len() / 3).max(3);
            for &(i, _) in &chars[min..] {
                if let Some(id) = self.find_word(&norm[..i]) {
                    q.shortened.push(id);
                }
            }
        }
        if q.exact.is_none() && norm.chars().count() >= 5 {
            q.typo = self.typo_words(norm, raw);
            // Several corrections: keep the common words ("migraine", not "migrans").
            let df = |w: u32| self.post_start[w as usize + 1] - self.post_start[w as usize];
            let most = q.typo.iter().map(|&w| df(w)).max().unwrap_or(0);
            q.typo.retain(|&w| df(w) * 4 >= most);
        }
        q.sig = self.bits.of_query(q.prefix, &q.shortened, &q.typo);
        q
    }

    /// Word ids, ascending, of 4 bytes or more, within 2 bytes of `norm`'s length and one edit
    /// away from `norm`, `raw` or `raw` without a final "s". The typo index gives a superset;
    /// the same test as a scan of the whole vocabulary picks from it.
    pub(crate) fn typo_words(&self, norm: &str, raw: &str) -> Vec<u32> {
        let raw_s = raw.strip_suffix('s').unwrap_or(raw);
        let forms = [norm, raw, raw_s];
        let mut cands = Vec::new();
        for f in forms {
            self.typos.candidates(f, &mut cands);
        }
        cands.sort_unstable();
        cands.dedup();
        cands.retain(|&i| {
            let w = self.word(i as usize);
            w.len().abs_diff(norm.len()) <= 2
                && w.len() >= 4
                && forms.iter().any(|f| one_edit(f, w))
        });
        cands
    }

    /// Documents whose text holds a match for every query word, best first: better word matches,
    /// earlier matches, then fewer extra words. `keep` filters (e.g. by date).
    pub fn search(&self, query: &str, limit: usize, keep: impl Fn(u32) -> bool) -> Vec<u32> {
        let raw: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let qws: Vec<QueryWord> = raw
            .iter()
            .map(|r| self.query_word(&text::normalize_word(r), r, true))
            .collect();
        if limit == 0 {
            return Vec::new();
        }
        let mut hits: Vec<(u32, u32, u32, u32)> = Vec::new();
        self.matches(&qws, keep, |d, m| {
            hits.push((m.grades, m.first, m.extra, d));
        });
        if hits.len() > limit {
            hits.select_nth_unstable(limit);
            hits.truncate(limit);
        }
        hits.sort_unstable();
        hits.into_iter().map(|h| h.3).collect()
    }
}

/// Number of leading indices in `0..n` for which `pred` holds (pred must be monotone).
fn partition(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

mod matching;
mod signature;
#[cfg(test)]
mod tests;
