//! Type-ahead search and batch validation, built on the lookups.

use chrono::NaiveDate;
use serde::Serialize;

use crate::codesets::code::{normalize, Code, CodeSystem};
use crate::codesets::date::{ymd, Ymd};
use crate::codesets::info::Status;
use crate::codesets::tables::CodeTables;

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SearchHit<'a> {
    /// The code (no dot).
    pub code: Code,
    /// Its title, if any.
    pub title: Option<&'a str>,
    /// True if billable on the date.
    pub billable: bool,
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
    /// Type-ahead: codes starting with the query (dot optional), then titles containing a word
    /// starting with every query word, best first; only codes in use on the date.
    pub fn search(
        &self,
        system: CodeSystem,
        query: &str,
        date: NaiveDate,
        limit: usize,
    ) -> Vec<SearchHit<'_>> {
        let d = ymd(date);
        let mut out: Vec<SearchHit<'_>> = Vec::new();
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
                });
            }
        }
        if let Some(prefix) = code_prefix(query) {
            self.code_prefix_hits(system, prefix, d, limit, &mut out);
        }
        match system {
            CodeSystem::Icd10cm => {
                for i in self
                    .icd_words
                    .search(query, limit, |i| self.icd_in_use(i, d))
                {
                    out.push(self.hit(system, self.icd.nodes[i as usize].code, d));
                }
            }
            CodeSystem::Hcpcs => {
                let keep = |i: u32| {
                    self.hcpcs
                        .rows_of(&self.hcpcs_codes[i as usize])
                        .iter()
                        .any(|r| r.from <= d && d <= r.to)
                };
                for i in self.hcpcs_words.search(query, limit, keep) {
                    out.push(self.hit(system, self.hcpcs_codes[i as usize], d));
                }
            }
            CodeSystem::Cpt => {}
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|h| seen.insert(h.code));
        out.truncate(limit);
        out
    }

    fn hit(&self, system: CodeSystem, code: Code, d: Ymd) -> SearchHit<'_> {
        let info = self.lookup_code(system, code, d);
        SearchHit {
            code,
            title: info.and_then(|i| i.title),
            billable: info.is_some_and(|i| i.billable && i.status == Status::Valid),
        }
    }

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
            if let Some(info) = self.lookup_code(system, code, d) {
                if info.status == Status::Valid {
                    out.push(SearchHit {
                        code,
                        title: info.title,
                        billable: info.billable,
                    });
                }
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
