//! Index for one-typo lookup (issue 17): the words of a vocabulary that are one edit away from a
//! query word (`text::one_edit`: one byte replaced, inserted, deleted, or two neighbours
//! swapped), without comparing the query word against every word.
//!
//! Symmetric deletion: each word is filed under itself and under every form with one byte
//! deleted. Two words one edit apart always share such a key (a replacement or a swap: both with
//! the same position's byte deleted; an insertion: the longer word with that byte deleted is
//! the shorter one), so the words under the query word's keys are a superset of the answer, and
//! the caller keeps those that pass `one_edit`. Keys are 64-bit hashes, so a collision only adds
//! a candidate that `one_edit` then rejects.

/// Words of a vocabulary by the hashes of their one-deletion keys.
pub(crate) struct TypoIndex {
    /// Sorted key hashes, parallel to `ids`.
    hashes: Vec<u64>,
    /// Word ids filed under `hashes[i]`.
    ids: Vec<u32>,
}

/// FNV-1a over the bytes of `s` with the byte at `skip` left out (`usize::MAX`: none).
fn key_hash(s: &[u8], skip: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, &b) in s.iter().enumerate() {
        if i != skip {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The keys of a word: itself and each one-byte deletion.
fn keys(s: &[u8]) -> impl Iterator<Item = u64> + '_ {
    std::iter::once(usize::MAX)
        .chain(0..s.len())
        .map(move |skip| key_hash(s, skip))
}

impl TypoIndex {
    /// File the words `0..n` (`word(i)`) for which `wanted` holds; words that can never be a
    /// typo answer (too short) need not be filed.
    pub fn build<'a>(
        n: usize,
        word: impl Fn(usize) -> &'a str,
        wanted: impl Fn(&str) -> bool,
    ) -> TypoIndex {
        let mut pairs: Vec<(u64, u32)> = Vec::new();
        for i in 0..n {
            let w = word(i);
            if wanted(w) {
                pairs.extend(keys(w.as_bytes()).map(|h| (h, i as u32)));
            }
        }
        pairs.sort_unstable();
        // A word with a doubled letter has the same deletion twice.
        pairs.dedup();
        let (hashes, ids) = pairs.into_iter().unzip();
        TypoIndex { hashes, ids }
    }

    /// Push the ids of words sharing a key with `form` (a superset of the words one edit away;
    /// unsorted, may repeat).
    pub fn candidates(&self, form: &str, out: &mut Vec<u32>) {
        for h in keys(form.as_bytes()) {
            let start = self.hashes.partition_point(|&x| x < h);
            let end = start + self.hashes[start..].partition_point(|&x| x == h);
            out.extend_from_slice(&self.ids[start..end]);
        }
    }

    /// Heap bytes held (for the memory figures).
    #[cfg(test)]
    pub fn heap_bytes(&self) -> usize {
        self.hashes.capacity() * 8 + self.ids.capacity() * 4
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::codesets::text::one_edit;

    #[test]
    fn candidates_hold_every_word_one_edit_away() {
        let vocab = [
            "pneumonia",
            "hypertension",
            "asthma",
            "diabetes",
            "diabete",
            "migraine",
            "migrans",
            "stone",
            "tones",
        ];
        let idx = TypoIndex::build(vocab.len(), |i| vocab[i], |_| true);
        for q in [
            "pnuemonia",
            "hypertenson",
            "asthama",
            "diabetis",
            "migrane",
            "stnoe",
            "ston",
            "stones",
            "xyz",
        ] {
            let mut got = Vec::new();
            idx.candidates(q, &mut got);
            got.retain(|&i| one_edit(q, vocab[i as usize]));
            got.sort_unstable();
            got.dedup();
            let want: Vec<u32> = (0..vocab.len() as u32)
                .filter(|&i| one_edit(q, vocab[i as usize]))
                .collect();
            assert_eq!(got, want, "{q}");
        }
        assert!(idx.heap_bytes() > 0);
    }
}
