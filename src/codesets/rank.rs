//! Ranked text search over one system: every query word must match a word of a code's title,
//! inclusion term or includes note; results are ordered the way a coder reads them (see the
//! "Search" section of docs/codesets.md for the rules).

use crate::codesets::code::{Code, CodeSystem};
use crate::codesets::date::Ymd;
use crate::codesets::docs::{DocSet, Source};
use crate::codesets::icd::table::NodeKind;
use crate::codesets::search::{QueryWord, EXACT};
use crate::codesets::tables::CodeTables;
use crate::codesets::text::{self, is_stopword};

/// A scored candidate: lower scores rank first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub score: i32,
    /// ICD-10-CM node index or HCPCS code index.
    pub owner: u32,
    pub doc: u32,
    pub typo: bool,
    /// Set when the query was read through an abbreviation or lay term.
    pub via: Option<u32>,
    /// Set when this is the unspecified child of a matching header (the header's node).
    pub default_of: Option<u32>,
}

/// Query words: (normalised, as typed in lower case).
pub(crate) type Words = Vec<(String, String)>;

/// Split a query into normalised words, keeping the typed form for typo matching.
pub(crate) fn query_words(query: &str) -> Words {
    query
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '\u{2019}'))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let raw: String = w
                .chars()
                .filter(|&c| c != '\'' && c != '\u{2019}')
                .flat_map(char::to_lowercase)
                .collect();
            (text::normalize_word(w).into_owned(), raw)
        })
        .collect()
}

/// Points for how plainly a title names the general case ("unspecified", "without
/// complications"), minus "with" and "other": used to pick a header's default child and to
/// favour the general code. No allocation: it runs for every title at load.
pub(crate) fn general_points(title: &str) -> i32 {
    title
        .split(|c: char| !c.is_alphanumeric())
        .map(|w| {
            let is = |s: &str| w.eq_ignore_ascii_case(s);
            if is("unspecified") {
                3
            } else if is("without") || is("uncomplicated") {
                2
            } else if is("nos") || is("not") {
                1
            } else if is("with") || is("other") {
                -1
            } else {
                0
            }
        })
        .sum()
}

impl CodeTables {
    fn docs(&self, system: CodeSystem) -> Option<&DocSet> {
        match system {
            CodeSystem::Icd10cm => Some(&self.icd_docs),
            CodeSystem::Hcpcs => Some(&self.hcpcs_docs),
            CodeSystem::Cpt => None,
        }
    }

    pub(crate) fn owner_in_use(&self, system: CodeSystem, owner: u32, d: Ymd) -> bool {
        match system {
            CodeSystem::Icd10cm => self.icd_in_use(owner, d),
            _ => self
                .hcpcs
                .rows_of(&self.hcpcs_codes[owner as usize])
                .iter()
                .any(|r| r.from <= d && d <= r.to),
        }
    }

    /// The node (ICD-10-CM) or code index (HCPCS) of a code.
    pub(crate) fn owner_of(&self, system: CodeSystem, code: Code) -> Option<u32> {
        match system {
            CodeSystem::Icd10cm => self.icd.find(&code),
            _ => self.hcpcs_codes.binary_search(&code).ok().map(|i| i as u32),
        }
    }

    /// True if the candidates name fewer than `limit` different codes. Stops at `limit`: the
    /// broad queries that call this have thousands of candidates but reach it early.
    pub(crate) fn fewer_owners_than(&self, cands: &[Candidate], limit: usize) -> bool {
        let mut seen: Vec<u32> = Vec::with_capacity(limit.min(64));
        for c in cands {
            if !seen.contains(&c.owner) {
                if seen.len() + 1 >= limit {
                    return false;
                }
                seen.push(c.owner);
            }
        }
        true
    }

    /// True if an ICD-10-CM node is itself billable on the date (in force, no child in use).
    pub(crate) fn icd_billable(&self, idx: u32, d: Ymd) -> bool {
        let n = &self.icd.nodes[idx as usize];
        self.icd
            .periods_of(n)
            .iter()
            .any(|p| p.from <= d && d <= p.to)
            && self
                .icd
                .children_of(n)
                .iter()
                .all(|&c| !self.icd_in_use(c, d))
    }

    /// The billable code a coder takes for a header named alone: at each level the child whose
    /// title says "unspecified"/"without" most plainly; `None` when no child says so.
    pub(crate) fn default_child(&self, idx: u32, d: Ymd) -> Option<u32> {
        let mut cur = idx;
        for _ in 0..4 {
            let n = &self.icd.nodes[cur as usize];
            let best = self
                .icd
                .children_of(n)
                .iter()
                .copied()
                .filter(|&c| self.icd_in_use(c, d))
                .map(|c| {
                    // `general` holds `general_points` of each title, computed at load.
                    let len = self
                        .icd
                        .title(&self.icd.nodes[c as usize])
                        .map_or(0, str::len);
                    (i32::from(self.icd_docs.general[c as usize]), c, len)
                })
                // Ties: the shorter title ("without complications" before "... in remission").
                .max_by_key(|&(p, c, len)| {
                    (p, std::cmp::Reverse(len), self.icd.nodes[c as usize].code)
                })
                .map(|(p, c, _)| (p, c))?;
            if best.0 <= 0 {
                return None;
            }
            cur = best.1;
            if self.icd_billable(cur, d) {
                return Some(cur);
            }
        }
        None
    }

    /// Score every document matching all `words` (stop words dropped unless nothing else is
    /// left); `penalty` is added to each score (a query read through a table term ranks lower).
    pub(crate) fn score_words(
        &self,
        system: CodeSystem,
        words: &Words,
        d: Ymd,
        penalty: i32,
        via: Option<u32>,
        out: &mut Vec<Candidate>,
    ) {
        let Some(docs) = self.docs(system) else {
            return;
        };
        let mut kept: Vec<&(String, String)> =
            words.iter().filter(|(n, _)| !is_stopword(n)).collect();
        if kept.is_empty() {
            kept = words.iter().collect();
        }
        let qws: Vec<QueryWord> = kept
            .iter()
            .map(|(n, r)| docs.index.query_word(n, r, system == CodeSystem::Hcpcs))
            .collect();
        let multi = qws.len() > 1;
        docs.index.matches(
            &qws,
            |doc| self.owner_in_use(system, docs.owner(doc).0, d),
            |doc, m| {
                let (owner, source) = docs.owner(doc);
                let mut s =
                    (m.grades * 10 + m.first.min(10) + m.extra * 4 + m.extra_tail) as i32 + penalty;
                if m.first == 0 {
                    s -= 3;
                }
                if system == CodeSystem::Icd10cm {
                    let n = &self.icd.nodes[owner as usize];
                    // Newborn (P) and congenital (Q) codes only when the query asks for them.
                    // The first byte of the packed key: `as_str` would check UTF-8 per candidate.
                    if matches!((n.code.key() >> 56) as u8, b'P' | b'Q') {
                        s += 4;
                    }
                    s -= i32::from(self.icd_docs.general[owner as usize]).clamp(0, 6);
                }
                if source != Source::Title {
                    s += 2;
                }
                if multi && m.phrase {
                    s -= 6;
                }
                s -= 5 * m.pairs as i32;
                if m.extra == 0 && m.grades == EXACT {
                    s -= 5;
                }
                out.push(Candidate {
                    score: s,
                    owner,
                    doc,
                    typo: m.typo,
                    via,
                    default_of: None,
                });
            },
        );
    }

    /// Rank candidates: headers below billable codes (with the header's default child just
    /// under the header's own match), then by score, shorter title, code; one entry per code.
    pub(crate) fn rank(
        &self,
        system: CodeSystem,
        cands: &mut Vec<Candidate>,
        d: Ymd,
        limit: usize,
    ) -> Vec<Candidate> {
        let keep = limit * 3 + 30;
        if cands.len() > keep {
            cands.select_nth_unstable_by_key(keep, |c| c.score);
            cands.truncate(keep);
        }
        if system == CodeSystem::Icd10cm {
            let mut extra = Vec::new();
            for c in cands.iter_mut() {
                let n = &self.icd.nodes[c.owner as usize];
                if self.icd_billable(c.owner, d) {
                    continue;
                }
                match n.kind {
                    NodeKind::Chapter | NodeKind::Block => c.score += 14,
                    _ => {
                        if let Some(child) = self.default_child(c.owner, d) {
                            extra.push(Candidate {
                                score: c.score + 1,
                                owner: child,
                                default_of: Some(c.owner),
                                ..*c
                            });
                        }
                        c.score += 6;
                    }
                }
            }
            cands.extend(extra);
        }
        let title_len = |c: &Candidate| -> (usize, Code) {
            match system {
                CodeSystem::Icd10cm => {
                    let n = &self.icd.nodes[c.owner as usize];
                    (self.icd.title(n).map_or(usize::MAX, str::len), n.code)
                }
                _ => {
                    let code = self.hcpcs_codes[c.owner as usize];
                    let t = self
                        .hcpcs
                        .rows_of(&code)
                        .last()
                        .and_then(|r| self.hcpcs.title(r));
                    (t.map_or(usize::MAX, str::len), code)
                }
            }
        };
        // The order of `sort_by_cached_key` by (score, title length, code), which sorts each
        // key with its index, with the key packed into one integer: comparing the tuples (the
        // code through `memcmp`) cost more than the rest of the ranking.
        let mut keyed: Vec<(u128, u32)> = cands
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (len, code) = title_len(c);
                let score = u128::from(c.score as u32 ^ 0x8000_0000);
                let len = u128::from(u32::try_from(len).unwrap_or(u32::MAX));
                (
                    (score << 96) | (len << 64) | u128::from(code.key()),
                    i as u32,
                )
            })
            .collect();
        // Keys are unique (the index is part of them), so the smallest `head` keys sorted are
        // the start of the whole sorted list; the rest is sorted only when they name fewer
        // than `limit` codes.
        let head = limit + limit / 2 + 8;
        if keyed.len() > head {
            keyed.select_nth_unstable(head);
            keyed[..head].sort_unstable();
            let first = first_of_each(
                keyed[..head].iter().map(|&(_, i)| cands[i as usize]),
                limit,
                |c| c.owner,
            );
            if first.len() == limit {
                return first;
            }
        }
        keyed.sort_unstable();
        first_of_each(
            keyed.into_iter().map(|(_, i)| cands[i as usize]),
            limit,
            |c| c.owner,
        )
    }
}

thread_local! {
    /// Per thread, the candidate list of the last search, kept for its capacity: the broad
    /// queries gather thousands of candidates, and growing a fresh list to that size (each
    /// step a reallocation and a copy) cost as much as their scoring's bookkeeping.
    static SPARE: std::cell::RefCell<Vec<Candidate>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Most candidates whose list is kept for the next search (1 MB).
const SPARE_MAX: usize = 1 << 15;

/// An empty candidate list, with the capacity the last search on this thread left it.
pub(crate) fn candidate_list() -> Vec<Candidate> {
    let mut v = SPARE
        .with(|s| s.try_borrow_mut().map(|mut v| std::mem::take(&mut *v)))
        .unwrap_or_default();
    v.clear();
    v
}

/// Give a candidate list back for the next search on this thread (unless it grew too big).
pub(crate) fn recycle(mut v: Vec<Candidate>) {
    v.clear();
    if v.capacity() <= SPARE_MAX {
        SPARE.with(|s| {
            if let Ok(mut spare) = s.try_borrow_mut() {
                *spare = v;
            }
        });
    }
}

/// The first item of each key, in order, up to `limit` items: a short scan of the few kept so
/// far costs less than hashing every item.
pub(crate) fn first_of_each<T, K: PartialEq>(
    items: impl IntoIterator<Item = T>,
    limit: usize,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(limit.min(64));
    for item in items {
        if out.len() == limit {
            break;
        }
        let k = key(&item);
        if !out.iter().any(|o| key(o) == k) {
            out.push(item);
        }
    }
    out
}
