//! Remittance posting: what a payer decided about a claim (an 835 CLP or a paper EOB), turned
//! into ledger entries by a pure function and stored by the posting service. See
//! docs/remittance.md.

pub mod adjudication;
pub mod claim_updates;
pub mod import;
pub mod inbox;
pub mod manual;
pub mod matching;
pub mod payment_routes;
pub mod post;
pub mod posting_batch;
pub mod posting_service;
pub mod routes;
pub mod status;
pub mod store;
pub mod unmatched;
pub mod upload_routes;
pub mod view;

pub use adjudication::{Adjustment, ClaimAdjudication, LineAdjudication, LineMatch};
pub use posting_batch::PostingBatch;
pub use posting_service::{post_adjudication, PostingOutcome};

/// Mounts manual posting and write-offs.
pub fn configure_payments(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(payment_routes::post_payment)
        .service(payment_routes::post_write_off);
}

#[cfg(test)]
mod post_props;
