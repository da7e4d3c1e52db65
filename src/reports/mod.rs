//! Receivables reports over the ledger: A/R aging and the denials work queue. Both read the
//! ledger entries (never claim snapshots), so their totals are the ledger's.

pub mod aging;
pub mod denials;
pub mod routes;

/// Mounts the report routes.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(routes::aging_report)
        .service(routes::denials_view);
}
