//! Word signatures (session 13): per document a 64-bit set of its words' bits, per query word
//! the bits of every word it can match. A document sharing no bit with a query word holds no
//! word that word matches, so `match_doc` would fail: `visit` skips it before the date filter
//! and the word scan. Broad queries visit thousands of documents of their rarest word that lack
//! another ("wrist" without "fracture"); the answer is the same, as only failing documents are
//! skipped.
//!
//! A word's bit comes from its first three bytes, so the words a prefix selects share few bits:
//! the 48 groups with the most postings get a bit each, the others share 16.

/// Bits of the commonest first-three-byte groups; the rest are hashed into the others.
const OWN_BITS: usize = 48;

/// Prefix ranges wider than this are not worth reading: the query word then filters nothing.
const MAX_RANGE: u32 = 4096;

/// Which bit each word of the vocabulary sets in its documents' signatures.
pub(super) struct WordBits(Vec<u8>);

impl WordBits {
    /// Bits for the sorted vocabulary (`word(i)`, `df(i)` documents for word `i`).
    pub(super) fn build<'a>(
        nwords: usize,
        word: impl Fn(usize) -> &'a str,
        df: impl Fn(usize) -> u32,
    ) -> WordBits {
        let group = |i: usize| {
            let w = word(i).as_bytes();
            &w[..w.len().min(3)]
        };
        // Sorted words: a group is a run. (first word, end, documents) per group.
        let mut groups: Vec<(usize, usize, u64)> = Vec::new();
        for i in 0..nwords {
            match groups.last_mut() {
                Some(g) if group(g.0) == group(i) => {
                    g.1 = i + 1;
                    g.2 += u64::from(df(i));
                }
                _ => groups.push((i, i + 1, u64::from(df(i)))),
            }
        }
        let mut by_size: Vec<usize> = (0..groups.len()).collect();
        by_size.sort_by_key(|&g| (std::cmp::Reverse(groups[g].2), g));
        let mut bits = vec![0u8; nwords];
        for (rank, &g) in by_size.iter().enumerate() {
            let bit = if rank < OWN_BITS {
                rank
            } else {
                OWN_BITS + g % (64 - OWN_BITS)
            };
            let (start, end, _) = groups[g];
            bits[start..end].fill(bit as u8);
        }
        WordBits(bits)
    }

    /// The signature of a document's words.
    pub(super) fn of_doc(&self, words: &[u32]) -> u64 {
        words.iter().fold(0, |s, &w| s | self.bit(w))
    }

    /// The bits a query word can match: its prefix range `[lo, hi)`, shortened and typo words;
    /// all bits when the range is too wide to read.
    pub(super) fn of_query(&self, (lo, hi): (u32, u32), more: &[u32], typo: &[u32]) -> u64 {
        if hi - lo > MAX_RANGE {
            return u64::MAX;
        }
        (lo..hi)
            .chain(more.iter().chain(typo).copied())
            .fold(0, |s, w| s | self.bit(w))
    }

    fn bit(&self, w: u32) -> u64 {
        1 << self.0[w as usize]
    }
}
