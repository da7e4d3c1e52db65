//! The receivables ledger: append-only money entries per claim line (charges, payments,
//! adjustments, transfers between who owes, write-offs, reversals) and the balances summed
//! from them. See docs/remittance.md.

pub mod charges;
pub mod model;
pub mod store;

pub use model::{Buckets, EntryId, Kind, LineBalance, PlannedEntry, PostingId};
