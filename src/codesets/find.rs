//! Type-ahead search and batch validation, built on the lookups.

use chrono::NaiveDate;
use serde::Serialize;

use crate::codesets::code::{normalize, Code, CodeSystem};
use crate::codesets::date::{ymd, Ymd};
use crate::codesets::docs::Source;
use crate::codesets::hit::{MatchReason, SearchHit};
use crate::codesets::info::Status;
use crate::codesets::rank::{
    candidate_list, first_of_each, query_words, recycle, Candidate, Words,
};
use crate::codesets::tables::CodeTables;
use crate::codesets::text::is_stopword;

/// The verdict of `validate` for one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Usable on the date.
    Valid,
    /// Not usable on the date (malformed, unknown, not in force, or a header).
    Invalid,
    /// Well formed but cannot be confirmed with the loaded tables (CPT without a CPT table).
    Unverified,
}

/// Per-code answer of `validate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// The input as given.
    pub input: String,
    /// The normalised code, displayed with a dot for ICD-10-CM, when well formed.
    pub code: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// True if it may be billed on the date.
    pub billable: bool,
    /// Why it is not valid or billable, or what could not be checked.
    pub reason: Option<String>,
}

impl CodeTables {
    /// Search a system for a date: the code itself or a header's billable codes when the query is
    /// a code, an abbreviation or lay term of our table, then titles, inclusion terms and includes
    /// notes ranked as docs/codesets.md ("Search") describes; only codes in use on the date.
    pub fn search(
        &self,
        system: CodeSystem,
        query: &str,
        date: NaiveDate,
        limit: usize,
    ) -> Vec<SearchHit<'_>> {
        let d = ymd(date);
        let mut out: Vec<SearchHit<'_>> = Vec::new();
        if limit == 0 {
            return out;
        }
        for o in self
            .overlays
            .iter()
            .filter(|o| o.system == system && o.covers(d))
        {
            for i in o.index.search(query, limit, |_| true) {
                out.push(SearchHit {
                    code: o.codes[i as usize],
                    title: Some(o.titles[i as usize].as_str()),
                    billable: o.billable[i as usize],
                    matched: MatchReason::Imported,
                });
            }
        }
        let coded = code_prefix(query);
        if let Some(prefix) = coded {
            self.code_prefix_hits(system, prefix, d, limit, &mut out);
        }
        let trimmed = query.trim();
        if trimmed.len() == 1 {
            // One character names no word worth ranking: read it as the start of a code.
            let letter = trimmed.to_ascii_uppercase();
            match Code::from_ascii(letter.as_bytes()) {
                Some(prefix) if coded.is_none() => {
                    self.code_prefix_hits(system, prefix, d, limit, &mut out)
                }
                _ => {}
            }
            out.truncate(limit);
            return out;
        }
        let words = query_words(query);
        let norm: Vec<String> = words.iter().map(|w| w.0.clone()).collect();
        for t in self.terms.exact(system, &norm.join(" ")) {
            let row = self.terms.row(t);
            let reason = MatchReason::Term {
                kind: row.kind,
                term: row.term,
                means: row.means,
            };
            let hit = self.hit(system, row.code, d, reason);
            // Only codes in use on the date: a term's code may be newer or retired.
            if self
                .lookup_code(system, row.code, d)
                .is_some_and(|i| i.status == Status::Valid)
            {
                out.push(hit);
            }
        }
        let mut cands = candidate_list();
        self.score_words(system, &words, d, 0, None, &mut cands);
        if let Some((i, j, t)) = self.terms.inside(system, &norm) {
            let mut expanded: Words = words[..i].to_vec();
            expanded.extend(query_words(self.terms.row(t).means));
            expanded.extend(words[j..].iter().cloned());
            self.score_words(system, &expanded, d, 3, Some(t), &mut cands);
            // The term's own code, below the codes that match every word.
            let owner = self
                .owner_of(system, self.terms.row(t).code)
                .filter(|&o| self.owner_in_use(system, o, d));
            if let Some(owner) = owner {
                cands.push(Candidate {
                    score: 12,
                    owner,
                    doc: u32::MAX,
                    typo: false,
                    via: Some(t),
                    default_of: None,
                });
            }
        }
        // Few results: accept codes matching all words but one (abbreviated HCPCS descriptors
        // drop words; "glucose test strips" is "Blood glucose/reagent strips").
        let content = words.iter().filter(|w| !is_stopword(&w.0)).count();
        let min_words = if system == CodeSystem::Hcpcs { 2 } else { 3 };
        if content >= min_words && self.fewer_owners_than(&cands, limit) {
            for i in 0..words.len() {
                if is_stopword(&words[i].0) {
                    continue;
                }
                let fewer: Words = [&words[..i], &words[i + 1..]].concat();
                let mut more = Vec::new();
                self.score_words(system, &fewer, d, 25, None, &mut more);
                // Dropping a rare word ("medroxyprogesterone") leaves a common one
                // ("injection") that matches many codes: rank that reading lower.
                let broad = (usize::BITS - more.len().leading_zeros()) as i32;
                cands.extend(more.into_iter().map(|c| Candidate {
                    score: c.score + broad,
                    ..c
                }));
            }
        }
        let ranked = self.rank(system, &mut cands, d, limit);
        recycle(cands);
        for c in ranked {
            let code = match system {
                CodeSystem::Icd10cm => self.icd.nodes[c.owner as usize].code,
                _ => self.hcpcs_codes[c.owner as usize],
            };
            out.push(self.hit(system, code, d, self.reason_of(system, &c)));
        }
        first_of_each(out, limit, |h| h.code)
    }

    fn reason_of(&self, system: CodeSystem, c: &Candidate) -> MatchReason<'_> {
        if let Some(h) = c.default_of {
            return MatchReason::DefaultOf {
                header: self.icd.nodes[h as usize].code,
            };
        }
        if let Some(t) = c.via {
            let row = self.terms.row(t);
            return MatchReason::TermWords {
                term: row.term,
                means: row.means,
            };
        }
        let docs = match system {
            CodeSystem::Icd10cm => &self.icd_docs,
            _ => &self.hcpcs_docs,
        };
        let text = docs.extra(c.doc).unwrap_or("");
        match docs.owner(c.doc).1 {
            Source::Title => MatchReason::Title { typo: c.typo },
            Source::InclusionTerm => MatchReason::InclusionTerm { text, typo: c.typo },
            Source::IncludesNote => MatchReason::IncludesNote { text, typo: c.typo },
        }
    }

    fn hit<'s>(
        &'s self,
        system: CodeSystem,
        code: Code,
        d: Ymd,
        matched: MatchReason<'s>,
    ) -> SearchHit<'s> {
        if system == CodeSystem::Icd10cm && self.overlays.is_empty() {
            // `lookup_code` would give the same two fields, and look up edits besides.
            let (title, billable) = self
                .icd
                .find(&code)
                .map_or((None, false), |i| self.icd_title_billable(i, d));
            return SearchHit {
                code,
                title,
                billable,
                matched,
            };
        }
        let info = self.lookup_code(system, code, d);
        SearchHit {
            code,
            title: info.and_then(|i| i.title),
            billable: info.is_some_and(|i| i.billable && i.status == Status::Valid),
            matched,
        }
    }

    /// A billable code typed in full first, then the billable codes below the query in code order
    /// (headers, the one typed included, are left out). Codes not in use on the date too.
    fn code_prefix_hits<'s>(
        &'s self,
        system: CodeSystem,
        prefix: Code,
        d: Ymd,
        limit: usize,
        out: &mut Vec<SearchHit<'s>>,
    ) {
        let keys: &[u64] = match system {
            CodeSystem::Icd10cm => &self.icd.keys,
            CodeSystem::Hcpcs => &self.hcpcs.keys,
            CodeSystem::Cpt => &self.ncci.codes,
        };
        let start = keys.partition_point(|&k| k < prefix.key());
        for &k in &keys[start..] {
            let code = Code::from_key(k);
            if !code.starts_with(&prefix) || out.len() >= limit {
                break;
            }
            let Some(info) = self.lookup_code(system, code, d) else {
                continue;
            };
            let exact = code == prefix;
            // A header typed in full lists its billable codes; the header itself is left out.
            if info.status == Status::Valid && info.billable {
                out.push(SearchHit {
                    code,
                    title: info.title,
                    billable: info.billable,
                    matched: if exact {
                        MatchReason::Code
                    } else {
                        MatchReason::CodePrefix
                    },
                });
            }
        }
    }

    /// Check many codes at once for a date: per code, valid/invalid/unverified, billable, reason.
    pub fn validate(&self, system: CodeSystem, codes: &[&str], date: NaiveDate) -> Vec<Validation> {
        codes
            .iter()
            .map(|raw| self.validate_one(system, raw, date))
            .collect()
    }

    fn validate_one(&self, system: CodeSystem, raw: &str, date: NaiveDate) -> Validation {
        let mut v = Validation {
            input: raw.to_string(),
            code: None,
            verdict: Verdict::Invalid,
            billable: false,
            reason: None,
        };
        let code = match normalize(system, raw) {
            Ok(c) => c,
            Err(e) => {
                v.reason = Some(e.to_string());
                return v;
            }
        };
        v.code = Some(code.display(system));
        let Some(info) = self.lookup_code(system, code, ymd(date)) else {
            v.reason = Some(format!("{} is not a {} code", code.display(system), system));
            return v;
        };
        let shown = code.display(system);
        let when = |d: Option<NaiveDate>| d.map_or_else(|| "-".to_string(), |d| d.to_string());
        match info.status {
            Status::Valid if info.billable => {
                v.verdict = Verdict::Valid;
                v.billable = true;
                v.reason = info.note.map(str::to_string);
            }
            Status::Valid => {
                let kids: Vec<String> = info
                    .children()
                    .take(12)
                    .map(|c| c.code.display(system))
                    .collect();
                v.reason = Some(format!(
                    "{shown} is a header, not billable; use a more specific code: {}",
                    kids.join(", ")
                ));
            }
            Status::NotYetValid => {
                v.reason = Some(format!(
                    "{shown} is valid only from {}",
                    when(info.validity.map(|x| x.from))
                ));
            }
            Status::Ended => {
                v.reason = Some(format!(
                    "{shown} ended on {}",
                    when(info.validity.and_then(|x| x.to))
                ));
            }
            Status::Unverified => {
                v.verdict = Verdict::Unverified;
                v.reason = info.note.map(str::to_string);
            }
            Status::NotInRelease | Status::OutsideBundledDates => {
                v.reason = Some(match info.status {
                    Status::NotInRelease => {
                        format!("{shown} is not in the imported release {}", info.version)
                    }
                    _ => format!("the bundled {system} tables do not cover {date}"),
                });
            }
        }
        v
    }
}

/// A query that could be the start of a code: one token of letters/digits (a dot allowed).
fn code_prefix(query: &str) -> Option<Code> {
    let q = query.trim();
    if q.is_empty() || q.len() > 8 || !q.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut buf = Vec::with_capacity(8);
    for c in q.chars() {
        match c {
            '.' => {}
            c if c.is_ascii_alphanumeric() => buf.push(c.to_ascii_uppercase() as u8),
            _ => return None,
        }
    }
    Code::from_ascii(&buf)
}
