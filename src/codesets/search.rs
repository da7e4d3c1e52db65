//! Type-ahead over titles: an inverted index of title words with prefix matching per query word.

use std::collections::HashMap;

/// Words of titles -> documents, and documents -> their words in title order.
pub(crate) struct WordIndex {
    words: String,
    word_off: Vec<u32>,
    post_start: Vec<u32>,
    postings: Vec<u32>,
    doc_start: Vec<u32>,
    doc_words: Vec<u32>,
    doc_len: Vec<u16>,
}

/// Lower-case alphanumeric words of a title.
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.chars().any(char::is_uppercase) {
                std::borrow::Cow::Owned(w.to_lowercase())
            } else {
                std::borrow::Cow::Borrowed(w)
            }
        })
}

impl WordIndex {
    /// Index `titles[doc]` for doc ids `0..titles.len()`; `None` titles are not searchable by words.
    pub fn build<'a>(titles: impl ExactSizeIterator<Item = Option<&'a str>>) -> WordIndex {
        let ndocs = titles.len();
        let mut ids: HashMap<std::borrow::Cow<'a, str>, u32> = HashMap::with_capacity(1 << 15);
        let mut doc_start = Vec::with_capacity(ndocs + 1);
        let mut doc_words = Vec::with_capacity(ndocs * 8);
        let mut doc_len = Vec::with_capacity(ndocs);
        for t in titles {
            doc_start.push(doc_words.len() as u32);
            doc_len.push(t.map_or(u16::MAX, |t| t.len().min(u16::MAX as usize) as u16));
            for w in t.into_iter().flat_map(tokens) {
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
        WordIndex {
            words,
            word_off,
            post_start,
            postings,
            doc_start,
            doc_words,
            doc_len,
        }
    }

    fn word(&self, i: usize) -> &str {
        &self.words[self.word_off[i] as usize..self.word_off[i + 1] as usize]
    }

    /// Word ids starting with `prefix`, as a half-open range.
    fn prefix_range(&self, prefix: &str) -> (u32, u32) {
        let n = self.word_off.len() - 1;
        let lo = partition(n, |i| self.word(i) < prefix);
        let hi = lo + partition(n - lo, |i| self.word(lo + i).starts_with(prefix));
        (lo as u32, hi as u32)
    }

    /// Documents whose titles hold a word starting with every query word, best first: earlier
    /// matches in the title, exact words, then shorter titles. `keep` filters (e.g. by date).
    pub fn search(&self, query: &str, limit: usize, keep: impl Fn(u32) -> bool) -> Vec<u32> {
        let ranges: Vec<(u32, u32, String)> = tokens(query)
            .map(|q| {
                let (lo, hi) = self.prefix_range(&q);
                (lo, hi, q.into_owned())
            })
            .collect();
        if ranges.is_empty() || ranges.iter().any(|r| r.0 == r.1) || limit == 0 {
            return Vec::new();
        }
        let rarest = ranges
            .iter()
            .min_by_key(|r| self.post_start[r.1 as usize] - self.post_start[r.0 as usize])
            .map(|r| (r.0, r.1))
            .unwrap_or((0, 0));
        let ndocs = self.doc_len.len();
        let mut seen = vec![0u64; ndocs.div_ceil(64)];
        let mut hits: Vec<(u32, u16, u32)> = Vec::new();
        for &d in &self.postings[self.post_start[rarest.0 as usize] as usize
            ..self.post_start[rarest.1 as usize] as usize]
        {
            let (slot, bit) = (d as usize / 64, 1u64 << (d % 64));
            if seen[slot] & bit != 0 {
                continue;
            }
            seen[slot] |= bit;
            if let Some(score) = self.score(d as usize, &ranges) {
                if keep(d) {
                    hits.push((score, self.doc_len[d as usize], d));
                }
            }
        }
        if hits.len() > limit {
            hits.select_nth_unstable(limit);
            hits.truncate(limit);
        }
        hits.sort_unstable();
        hits.into_iter().map(|h| h.2).collect()
    }

    fn score(&self, d: usize, ranges: &[(u32, u32, String)]) -> Option<u32> {
        let words = &self.doc_words[self.doc_start[d] as usize..self.doc_start[d + 1] as usize];
        let mut score = 0u32;
        for (lo, hi, q) in ranges {
            let pos = words.iter().position(|&w| *lo <= w && w < *hi)?;
            let exact = self.word(words[pos] as usize) == q;
            score += 2 * pos as u32 + u32::from(!exact);
        }
        Some(score)
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

#[cfg(test)]
mod tests {
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
}
