//! The receivables ledger: append-only money entries per claim line (charges, payments,
//! adjustments, transfers between who owes, write-offs, reversals) and the balances summed
//! from them. See docs/remittance.md.

pub mod balance;
pub mod charges;
pub mod model;
pub mod provider;
pub mod replacement;
pub mod routes;
pub mod store;
pub mod transfer;
pub mod write_off;

pub use model::{Buckets, EntryId, Kind, LineBalance, PlannedEntry, PostingId};

/// Mounts the balance route.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(routes::patient_balance);
}
