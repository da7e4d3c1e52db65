//! Abbreviations and lay terms (`codesets/tables/search_terms.tsv`, our own list): what a billing
//! assistant types ("CAD", "heart attack") mapped to the code a coder would choose and to the
//! words the classification uses, so search can answer them.

use std::collections::HashMap;

use crate::codesets::code::{Code, CodeSystem};
use crate::codesets::embedded::{fields, rows, LoadError};
use crate::codesets::text;

const FILE: &str = "tables/search_terms.tsv";
const TEXT: &str = include_str!("../../codesets/tables/search_terms.tsv");

/// What kind of term a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// A clinical abbreviation ("CAD").
    Abbreviation,
    /// A lay or everyday term ("heart attack").
    LayTerm,
}

/// One row of the table.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    pub system: CodeSystem,
    pub kind: TermKind,
    /// The term as written in the table.
    pub term: &'static str,
    /// The code a coder would choose for the term alone.
    pub code: Code,
    /// The words it stands for, in the classification's vocabulary.
    pub means: &'static str,
}

/// The loaded table, keyed by the normalised words of each term.
pub(crate) struct Terms {
    pub rows: Vec<Term>,
    by_key: HashMap<String, Vec<u32>>,
}

/// Normalised words of a text joined by one space: the key a term and a query share.
pub(crate) fn key(s: &str) -> String {
    text::words(s).collect::<Vec<_>>().join(" ")
}

impl Terms {
    /// Parse the bundled table (`system kind term code means area`).
    pub fn load() -> Result<Terms, LoadError> {
        let mut out = Terms {
            rows: Vec::with_capacity(512),
            by_key: HashMap::with_capacity(512),
        };
        for (no, _, line) in rows(TEXT) {
            let [system, kind, term, code, means, _area] = fields::<6>(FILE, no, line)?;
            let system = CodeSystem::parse(system)
                .ok_or_else(|| LoadError::new(FILE, no, format!("unknown system {system}")))?;
            let kind = match kind {
                "abbr" => TermKind::Abbreviation,
                "lay" => TermKind::LayTerm,
                other => return Err(LoadError::new(FILE, no, format!("unknown kind {other}"))),
            };
            let code = crate::codesets::code::normalize(system, code)
                .map_err(|e| LoadError::new(FILE, no, format!("bad code {code}: {e}")))?;
            let k = key(term);
            if k.is_empty() {
                return Err(LoadError::new(FILE, no, "empty term"));
            }
            out.by_key.entry(k).or_default().push(out.rows.len() as u32);
            out.rows.push(Term {
                system,
                kind,
                term,
                code,
                means,
            });
        }
        Ok(out)
    }

    /// Rows whose term is exactly these normalised words, for one system.
    pub fn exact(&self, system: CodeSystem, key: &str) -> impl Iterator<Item = u32> + '_ {
        self.by_key
            .get(key)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&i| self.rows[i as usize].system == system)
    }

    /// One row by index.
    pub fn row(&self, i: u32) -> &Term {
        &self.rows[i as usize]
    }

    /// The longest term found inside the query words (`words[i..j]`), other than the whole
    /// query, so "T2DM with neuropathy" can be read as "type 2 diabetes mellitus ... neuropathy".
    pub fn inside(&self, system: CodeSystem, words: &[String]) -> Option<(usize, usize, u32)> {
        let n = words.len();
        for len in (1..n).rev() {
            for i in 0..=n - len {
                let k = words[i..i + len].join(" ");
                if let Some(t) = self.exact(system, &k).next() {
                    return Some((i, i + len, t));
                }
            }
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_and_finds_terms_by_normalised_words() {
        let t = Terms::load().unwrap();
        assert!(t.rows.len() >= 300, "{} rows", t.rows.len());
        let cad: Vec<_> = t.exact(CodeSystem::Icd10cm, &key("CAD")).collect();
        assert_eq!(t.row(cad[0]).code.as_str(), "I2510");
        let stones: Vec<_> = t
            .exact(CodeSystem::Icd10cm, &key("Kidney Stones"))
            .collect();
        assert_eq!(t.row(stones[0]).code.as_str(), "N200");
        assert_eq!(t.exact(CodeSystem::Hcpcs, &key("CAD")).count(), 0);
        let words: Vec<String> = ["t2dm", "with", "neuropathy"].map(String::from).to_vec();
        let (i, j, term) = t.inside(CodeSystem::Icd10cm, &words).unwrap();
        assert_eq!((i, j, t.row(term).term), (0, 1, "T2DM"));
    }
}
