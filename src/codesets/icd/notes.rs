//! Tabular notes (Excludes1/2, Code first, ...) and the code references inside Excludes notes.

use serde::Serialize;

use crate::codesets::code::Code;

/// Kind of an instructional note in the ICD-10-CM tabular list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// "Includes": conditions classified here.
    Includes,
    /// "Excludes1": never coded together with the code it sits under.
    Excludes1,
    /// "Excludes2": not part of this condition; both may be coded together.
    Excludes2,
    /// "Code first" the underlying condition.
    CodeFirst,
    /// "Use additional code" to identify more detail.
    UseAdditional,
    /// "Code also": another code may be needed.
    CodeAlso,
    /// Note on how the 7th character applies.
    SeventhNote,
    /// One 7th-character definition, text `X=meaning`.
    SeventhChar,
}

impl NoteKind {
    pub(crate) fn parse(s: &str) -> Option<NoteKind> {
        Some(match s {
            "includes" => NoteKind::Includes,
            "excludes1" => NoteKind::Excludes1,
            "excludes2" => NoteKind::Excludes2,
            "code_first" => NoteKind::CodeFirst,
            "use_additional" => NoteKind::UseAdditional,
            "code_also" => NoteKind::CodeAlso,
            "seventh_note" => NoteKind::SeventhNote,
            "seventh_char" => NoteKind::SeventhChar,
            _ => return None,
        })
    }
}

/// A code or code range referenced by a note: `E11.-` (prefix), `E10-E13` (range of prefixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CodeRef {
    pub lo: Code,
    pub hi: Code,
}

impl CodeRef {
    /// True if `code` is covered: its prefix of the bound's length lies within `lo..=hi`.
    pub fn covers(&self, code: &Code) -> bool {
        code.truncate(self.lo.len()) >= self.lo && code.truncate(self.hi.len()) <= self.hi
    }
}

/// Codes referenced in the parenthesised lists of a note, e.g. "diabetes (E08-E13, O24.-)".
///
/// Only items that are nothing but a code or a range are taken: "(E08-E13 with .43)" names
/// specific fourth characters we cannot express as a range, so it is skipped rather than
/// widened into a false conflict.
pub(crate) fn code_refs(text: &str) -> Vec<CodeRef> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(')') else { break };
        for item in after[..close].split(',') {
            if let Some(r) = parse_item(item.trim()) {
                out.push(r);
            }
        }
        rest = &after[close + 1..];
    }
    out
}

fn parse_item(item: &str) -> Option<CodeRef> {
    let item = item
        .strip_suffix(".-")
        .or_else(|| item.strip_suffix('-'))
        .unwrap_or(item);
    match item.split_once('-') {
        Some((a, b)) => {
            let (lo, hi) = (
                parse_code(a.trim())?,
                parse_code(b.trim().trim_end_matches(".-"))?,
            );
            Some(CodeRef { lo, hi })
        }
        None => parse_code(item).map(|c| CodeRef { lo: c, hi: c }),
    }
}

fn parse_code(s: &str) -> Option<Code> {
    let b = s.as_bytes();
    if b.len() < 3 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_digit() {
        return None;
    }
    let mut buf = [0u8; 8];
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'.' && i == 3 {
            continue;
        }
        if !(c.is_ascii_digit() || c.is_ascii_uppercase()) || n == 7 {
            return None;
        }
        buf[n] = c;
        n += 1;
    }
    Code::from_ascii(&buf[..n])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::codesets::code::{normalize, CodeSystem};

    fn c(s: &str) -> Code {
        normalize(CodeSystem::Icd10cm, s).unwrap()
    }

    #[test]
    fn parses_ranges_and_prefixes() {
        let refs = code_refs("diabetes mellitus due to underlying condition (E08.-); type 1 (E10-E13, O24.-) and (E08-E13 with .43)");
        assert_eq!(refs.len(), 3);
        assert!(refs[0].covers(&c("E08.9")));
        assert!(
            refs[1].covers(&c("E11.9")) && refs[1].covers(&c("E13")) && !refs[1].covers(&c("E14"))
        );
        assert!(refs[2].covers(&c("O24.111")));
        assert!(!refs[2].covers(&c("O25")));
        let single = code_refs("hyperglycemia NOS (R73.9)");
        assert!(single[0].covers(&c("R73.9")) && !single[0].covers(&c("R73.0")));
    }
}
