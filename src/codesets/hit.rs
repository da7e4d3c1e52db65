//! A search result and why it matched (moved out of `find.rs`, which runs the search).

use std::fmt;

use serde::Serialize;

use crate::codesets::code::{Code, CodeSystem};
use crate::codesets::terms::TermKind;

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
        self.shown(system).to_string()
    }

    /// The sentence of [`MatchReason::describe`] as `Display`, to write it into a buffer
    /// without a `String` of its own (search answers write 20 of them).
    pub fn shown(&self, system: CodeSystem) -> impl fmt::Display + '_ {
        Shown {
            reason: self,
            system,
        }
    }
}

impl MatchReason<'_> {
    /// The sentence of the reasons that name nothing but themselves (most hits are "title"):
    /// writers copy it without formatting.
    pub(crate) fn plain(&self) -> Option<&'static str> {
        match self {
            MatchReason::Code => Some("code"),
            MatchReason::CodePrefix => Some("code prefix"),
            MatchReason::Title { typo: false } => Some("title"),
            MatchReason::Title { typo: true } => Some("title (spelling corrected)"),
            MatchReason::Imported => Some("title in an imported table"),
            _ => None,
        }
    }
}

struct Shown<'r, 'a> {
    reason: &'r MatchReason<'a>,
    system: CodeSystem,
}

impl fmt::Display for Shown<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let typo = |t: bool| if t { " (spelling corrected)" } else { "" };
        match *self.reason {
            MatchReason::Code
            | MatchReason::CodePrefix
            | MatchReason::Title { .. }
            | MatchReason::Imported => f.write_str(self.reason.plain().unwrap_or_default()),
            MatchReason::InclusionTerm { text, typo: t } => {
                write!(f, "inclusion term: {text}{}", typo(t))
            }
            MatchReason::IncludesNote { text, typo: t } => {
                write!(f, "includes note: {text}{}", typo(t))
            }
            MatchReason::Term { kind, term, means } => {
                let k = match kind {
                    TermKind::Abbreviation => "abbreviation",
                    TermKind::LayTerm => "lay term",
                };
                write!(f, "{k}: {term} = {means}")
            }
            MatchReason::TermWords { term, means } => {
                write!(f, "title, reading {term} as {means}")
            }
            MatchReason::DefaultOf { header } => write!(
                f,
                "unspecified code under {}, which matched",
                header.shown(self.system)
            ),
        }
    }
}

impl Code {
    /// The code as [`Code::display`] writes it (ICD-10-CM with the dot after the third
    /// character), as `Display`, for writers that need no `String` of it.
    pub fn shown(self, system: CodeSystem) -> impl fmt::Display {
        ShownCode { code: self, system }
    }

    /// The code as [`Code::shown`] writes it, in the pieces before and after the dot (ICD-10-CM
    /// codes longer than 3 characters, not ranges, have one).
    pub(crate) fn shown_parts(&self, system: CodeSystem) -> (&str, Option<&str>) {
        let s = self.as_str();
        if system == CodeSystem::Icd10cm && s.len() > 3 && !s.contains('-') {
            (&s[..3], Some(&s[3..]))
        } else {
            (s, None)
        }
    }
}

struct ShownCode {
    code: Code,
    system: CodeSystem,
}

impl fmt::Display for ShownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code.shown_parts(self.system) {
            (head, Some(tail)) => {
                f.write_str(head)?;
                f.write_str(".")?;
                f.write_str(tail)
            }
            (code, None) => f.write_str(code),
        }
    }
}
