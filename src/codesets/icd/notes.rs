//! Tabular notes (Excludes1/2, Code first, ...) and the code references inside Excludes notes.

use serde::Serialize;

use super::pattern::{parse_spec, Pat, Shape};
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

/// A code or code range referenced by a note: `E11.-` (prefix), `E10-E13` (range of prefixes),
/// optionally narrowed by a character pattern (`E08-E13 with .44`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CodeRef {
    pub lo: Code,
    pub hi: Code,
    pub pat: Pat,
    /// How the tabular wrote the pattern (`None`: a plain code or range).
    pub shape: Option<Shape>,
}

impl CodeRef {
    /// True if `code` is covered: its prefix of the bound's length lies within `lo..=hi` and its
    /// characters match the pattern.
    pub fn covers(&self, code: &Code) -> bool {
        code.truncate(self.lo.len()) >= self.lo
            && code.truncate(self.hi.len()) <= self.hi
            && self.pat.matches(code.as_str().as_bytes())
    }
}

/// Codes referenced in the parenthesised lists of a note, e.g. "diabetes (E08-E13, O24.-)".
///
/// Items that are a code, a range, a range narrowed by a pattern ("E08-E13 with .43"), or such
/// items joined by "and" are taken; anything else with words in it is skipped rather than widened
/// into a false conflict. A note without parentheses that ends in a patterned range ("leukemia in
/// remission C91.0-C95.9 with 5th character 1") is read too; plain codes in running text are not.
pub(crate) fn code_refs(text: &str) -> Vec<CodeRef> {
    let mut out = Vec::new();
    let mut rest = text;
    if !text.contains('(') {
        if let Some(r) = trailing_pattern(text) {
            out.push(r);
        }
        return out;
    }
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(')') else { break };
        for item in after[..close].split(',') {
            let parts: Vec<Option<CodeRef>> =
                item.split(" and ").map(|p| parse_item(p.trim())).collect();
            if parts.iter().all(Option::is_some) {
                out.extend(parts.into_iter().flatten());
            }
        }
        rest = &after[close + 1..];
    }
    out
}

/// "... C91.0-C95.9 with 5th character 1": the item starting at the first code-like word.
fn trailing_pattern(text: &str) -> Option<CodeRef> {
    let start = text.char_indices().find_map(|(i, _)| {
        let b = text.as_bytes();
        let word_start = i == 0 || b[i - 1] == b' ';
        (word_start && b[i].is_ascii_uppercase() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
            .then_some(i)
    })?;
    parse_item(&text[start..]).filter(|r| r.shape.is_some())
}

fn parse_item(item: &str) -> Option<CodeRef> {
    match find_with(item) {
        Some((range, spec)) => {
            let (pat, shape) = parse_spec(spec)?;
            let r = parse_range(range.trim())?;
            Some(CodeRef {
                pat,
                shape: Some(shape),
                ..r
            })
        }
        None => parse_range(item),
    }
}

/// Split "E08-E13 with .44" (also "S92.-with 7th character B") at the word "with".
fn find_with(item: &str) -> Option<(&str, &str)> {
    let i = item.find("with")?;
    let before = item[..i].chars().last()?;
    (before == ' ' || before == '-').then(|| (&item[..i], &item[i + 4..]))
}

fn parse_range(item: &str) -> Option<CodeRef> {
    let item = item
        .strip_suffix(".-")
        .or_else(|| item.strip_suffix('-'))
        .unwrap_or(item);
    let (lo, hi) = match item.split_once('-') {
        Some((a, b)) => (
            parse_code(a.trim())?,
            parse_code(b.trim().trim_end_matches(".-"))?,
        ),
        None => {
            let c = parse_code(item)?;
            (c, c)
        }
    };
    Some(CodeRef {
        lo,
        hi,
        pat: Pat::Any,
        shape: None,
    })
}

fn parse_code(s: &str) -> Option<Code> {
    // "I69." and the tabular's one "F98.2.-F98.3" carry a stray trailing dot.
    let b = s.strip_suffix('.').unwrap_or(s).as_bytes();
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
        assert_eq!(refs.len(), 4);
        assert!(refs[3].covers(&c("E11.43")) && !refs[3].covers(&c("E11.42")));
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
