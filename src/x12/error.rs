//! Typed errors of the writer and the readers.

use std::fmt;

/// What is wrong with one input value of the 837P writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An identifier or code contains a delimiter (`*`, `~`, `:`, `^`) and cannot be sent.
    Delimiter(char),
    /// A character outside the X12 extended character set (control or non-ASCII) that the
    /// writer does not fold.
    Character(char),
    /// Required but empty (after sanitising, for free text).
    Empty,
    /// Shorter than the element's minimum length.
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// Longer than the element's maximum length (identifiers are never truncated).
    TooLong {
        /// The maximum.
        max: usize,
    },
    /// A value outside what the guide allows (with a short reason).
    Invalid(&'static str),
    /// Too few or too many repetitions (diagnoses, lines, modifiers, pointers).
    Count {
        /// The fewest allowed.
        min: usize,
        /// The most allowed.
        max: usize,
        /// How many were given.
        found: usize,
    },
    /// The claim's total charge differs from the sum of its lines.
    TotalMismatch {
        /// CLM02 as given.
        total_cents: i64,
        /// The sum of SV102.
        lines_cents: i64,
    },
}

/// An input value the writer refused, with the field it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X12Error {
    /// 0-based position of the transaction set in the input, when inside one.
    pub transaction: Option<usize>,
    /// 0-based position of the claim in its transaction set, when inside one.
    pub claim: Option<usize>,
    /// 0-based position of the service line in its claim, when inside one.
    pub line: Option<usize>,
    /// The input field, named after the snapshot types (`billing_provider.npi`,
    /// `lines.procedure_code`, `envelope.sender_id`).
    pub field: &'static str,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Delimiter(c) => write!(f, "contains the X12 delimiter {c:?}"),
            Problem::Character(c) => write!(f, "contains a character X12 cannot carry: {c:?}"),
            Problem::Empty => write!(f, "is required"),
            Problem::TooShort { min } => write!(f, "is shorter than {min} characters"),
            Problem::TooLong { max } => write!(f, "is longer than {max} characters"),
            Problem::Invalid(why) => write!(f, "is invalid: {why}"),
            Problem::Count { min, max, found } => {
                write!(f, "has {found} entries; {min} to {max} are allowed")
            }
            Problem::TotalMismatch {
                total_cents,
                lines_cents,
            } => write!(
                f,
                "total charge {total_cents} cents differs from the lines' sum {lines_cents} cents"
            ),
        }
    }
}

impl fmt::Display for X12Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = self.transaction {
            write!(f, "transaction {t}: ")?;
        }
        if let Some(c) = self.claim {
            write!(f, "claim {c}: ")?;
        }
        if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        write!(f, "{} {}", self.field, self.problem)
    }
}

impl std::error::Error for X12Error {}

/// Why an acknowledgment file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The text does not start with a 106-character ISA segment.
    NoIsa,
    /// The file is not the expected transaction (e.g. a 277 given to the 999 reader).
    WrongTransaction {
        /// What the reader expected (`999`, `277`).
        expected: &'static str,
        /// ST01 as found, or empty.
        found: String,
    },
    /// A required segment is missing or out of place.
    Structure(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NoIsa => write!(f, "not an X12 interchange: no ISA segment"),
            ReadError::WrongTransaction { expected, found } => {
                write!(f, "expected a {expected} transaction set, found {found:?}")
            }
            ReadError::Structure(why) => write!(f, "malformed acknowledgment: {why}"),
        }
    }
}

impl std::error::Error for ReadError {}
