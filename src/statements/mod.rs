//! Patient statements and patient payments (issue 13, part 2): what the patient owes once
//! insurance is done with a visit, as a stored snapshot rendered as JSON and PDF; payments at
//! the desk or by mail applied to the ledger's patient balances; refunds of a credit. See
//! docs/statements.md.

pub mod allocate;
pub mod build;
pub mod forms;
pub mod list_routes;
pub mod model;
pub mod payment_routes;
pub mod payments;
pub mod pdf;
pub mod routes;
pub mod run;
pub mod store;

pub use model::{Statement, StatementId};

/// Mounts the statement and patient payment routes. `GET /v1/statements/run` answers 405
/// (POST only) before `GET /v1/statements/{id}` could take `run` for a bad id; the PDF route
/// comes before the JSON one, which would otherwise take `….pdf` and refuse it as a bad id.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web;
    cfg.service(routes::create_statement)
        .service(routes::run_statements)
        .route(
            "/v1/statements/run",
            web::get().to(crate::http::allowed_methods::no_route),
        )
        .service(routes::get_statement_pdf)
        .service(routes::get_statement)
        .service(payment_routes::post_patient_payment)
        .service(payment_routes::list_patient_payments)
        .service(payment_routes::post_patient_refund)
        .service(list_routes::list_patient_statements);
}
