//! X12 for claims, pure (no HTTP, no SQL): the 837P 005010X222A1 writer and the readers of
//! 999 (implementation acknowledgment, 005010X231A1) and 277CA (claim acknowledgment,
//! 005010X214).
//!
//! - [`write_837p`] turns an [`Envelope`] and [`Transaction`]s of [`ClaimSnapshot`]s into one
//!   interchange; a refused value is an [`X12Error`] naming the field (see [`escape`] for what
//!   is rejected and what is sanitised).
//! - [`read_999`] and [`read_277ca`] turn acknowledgment files into typed results with the
//!   codes and their meanings ([`codes`]).
//! - [`era::read_835`] reads remittances (835, 005010X221A1) with their balancing checks.
//!
//! docs/x12.md describes the structure, the escaping rules and what is not done.

pub mod ack277;
pub mod ack999;
pub mod claim;
mod claim_loops;
pub mod cob;
mod cob_loops;
pub mod codes;
pub mod elig;
pub mod era;
pub mod error;
pub mod escape;
mod parse;
mod parties;
pub mod sample;
mod segment;
mod writer;

#[cfg(test)]
mod ack_tests;
#[cfg(test)]
mod cob_tests;
#[cfg(test)]
mod writer_tests;

pub use ack277::{read_277ca, Ack277, ClaimAck, LineAck, Status};
pub use ack999::{read_999, Ack999, ElementError, SegmentError, SetAck};
pub use claim::*;
pub use claim_loops::{MAX_DIAGNOSES, MAX_LINES};
pub use cob::{CasAdjustment, LinePayment, OtherPayer};
pub use cob_loops::MAX_OTHER_PAYERS;
pub use codes::{Coded, Outcome};
pub use error::{Problem, ReadError, X12Error};
pub use parse::first_transaction_set_is;
pub use writer::{write_837p, WriteOptions, VERSION_837P};
