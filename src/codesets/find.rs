//! Type-ahead search and batch validation, built on the lookups.

use chrono::NaiveDate;
use serde::Serialize;

use crate::codesets::code::{normalize, Code, CodeSystem};
use crate::codesets::date::{ymd, Ymd};
use crate::codesets::docs::Source;
use crate::codesets::info::Status;
use crate::codesets::rank::{first_of_each, query_words, Candidate, Words};
use crate::codesets::tables::CodeTables;
use crate::codesets::terms::TermKind;
use crate::codesets::text::is_stopword;

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SearchHit<'a> {
    /// The code (no dot).
    pub code: Code,
    /// Its title, if any.
    pub title: Option<&'a str>,
    /// True if billable on the date.
    pub billable: bool,
    /// Why it matched (see [`MatchReason::describe`]).
    pub matched: MatchReason<'a>,
}

/// Why a search result matched, so a coder can trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum MatchReason<'a> {
    /// The query is this code.
    Code,
    /// The code starts with the query (a header's billable codes, in code order).
    CodePrefix,
    /// Words of the title (`typo`: one word matched with a spelling corrected).
    Title { typo: bool },
    /// An inclusion term of the code in the tabular list.
    InclusionTerm { text: &'a str, typo: bool },
    /// An "includes" note of the code in the tabular list.
    IncludesNote { text: &'a str, typo: bool },
    /// The whole query is an abbreviation or lay term of our table, mapped to this code.
    Term {
        kind: TermKind,
        term: &'a str,
        means: &'a str,
    },
    /// A term inside the query was read as its meaning, then the words matched the title.
    TermWords { term: &'a str, means: &'a str },
    /// The unspecified billable code under a header whose title or notes matched.
    DefaultOf { header: Code },
    /// Words of an imported table's descriptor.
    Imported,
}

impl MatchReason<'_> {
    /// A short sentence for the user, e.g. `inclusion term: high blood pressure`.
    pub fn describe(&self, system: CodeSystem) -> String {
        let typo = |t: bool| if t { " (spelling corrected)" } else { "" };
        match *self {
            MatchReason::Code => "code".to_string(),
            MatchReason::CodePrefix => "code prefix".to_string(),
            MatchReason::Title { typo: t } => format!("title{}", typo(t)),
            MatchReason::InclusionTerm { text, typo: t } => {
                format!("inclusion term: {text}{}", typo(t))
            }
            MatchReason::IncludesNote { text, typo: t } => {
                format!("includes note: {text}{}", typo(t))
            }
            MatchReason::Term { kind, term, means } => {
                let k = match kind {
                    TermKind::Abbreviation => "abbreviation",
                    TermKind::LayTerm => "lay term",
                };
                format!("{k}: {term} = {means}")
            }
            MatchReason::TermWords { term, means } => format!("title, reading {term} as {means}"),
            MatchReason::DefaultOf { header } => format!(
                "unspecified code under {}, which matched",
                header.display(system)
            ),
            MatchReason::Imported => "title in an imported table".to_string(),
        }
    }
}

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
        let mut cands = Vec::new();
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
        for c in self.rank(system, cands, d, limit) {
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
