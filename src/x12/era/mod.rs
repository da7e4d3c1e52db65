//! The X12 835 (health care claim payment/advice, 005010X221A1) reader, pure: text in,
//! [`Remittance`] out, with the balancing checks computed ([`balance`]) and the deviations
//! that did not stop the reading as warnings.
//!
//! Strict where posting depends on it (money, identifiers, claim statuses, adjustment groups
//! and reasons): such a value that cannot be read refuses the file with an [`EraError`] naming
//! the segment. Lenient elsewhere (a missing PER, an odd BPR04, a wrong component separator in
//! SVC, bad SE counts, unexpected segments): a [`Warning`] is recorded and reading goes on.
//! docs/remittance.md describes what is read and how.

pub mod balance;
mod claim_segments;
mod fields;
pub mod model;
mod read;

#[cfg(test)]
mod tests;

use std::fmt;

pub use balance::{BalanceCheck, Imbalance};
pub use model::*;
pub use read::read_835;

/// Why an 835 could not be read safely.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EraError {
    /// 1-based position of the offending segment in the interchange, when one is at fault.
    pub segment_position: Option<usize>,
    /// Its id.
    pub segment_id: Option<String>,
    /// The reason, in words.
    pub reason: String,
}

impl EraError {
    pub(crate) fn file(reason: impl Into<String>) -> EraError {
        EraError {
            segment_position: None,
            segment_id: None,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for EraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.segment_id, self.segment_position) {
            (Some(id), Some(pos)) => write!(f, "segment {pos} ({id}): {}", self.reason),
            _ => write!(f, "{}", self.reason),
        }
    }
}

impl std::error::Error for EraError {}
