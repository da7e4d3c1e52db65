//! Receivables reports over the ledger: A/R aging, the denials work queue (both read the ledger
//! entries, never claim snapshots, so their totals are the ledger's) and deposit reconciliation
//! (835 payments against their claim postings and provider-level adjustments).

pub mod aging;
pub mod denials;
pub mod deposits;
pub mod routes;

/// Mounts the report routes.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(routes::aging_report)
        .service(routes::denials_view)
        .service(routes::deposit_report);
}
