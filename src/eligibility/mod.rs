//! Eligibility checks (X12 270/271) for the front desk: ask the payer whether a coverage is
//! active on a date and what the patient owes, store the request and the raw and parsed
//! answer, offer the payer's corrections, and feed the scrubber the latest check.
//! PHI: every read and write is audited. docs/eligibility.md describes the flow.

pub mod batch;
pub mod correction_routes;
pub mod inbox;
pub mod latest;
pub mod model;
pub mod routes;
pub mod run_model;
pub mod run_routes;
pub mod service;
pub mod single;
pub mod store;
pub mod summary;
pub mod transport;

use actix_web::web;

/// Registers the eligibility routes (`/v1/eligibility/responses` and `/run` before `/{id}` paths; a GET
/// there answers 405 with `Allow: POST` rather than a bad check id).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(correction_routes::import_271)
        .service(run_routes::start_run)
        .route(
            "/v1/eligibility/run",
            web::get().to(crate::http::allowed_methods::no_route),
        )
        .service(run_routes::get_run)
        .route(
            "/v1/eligibility/responses",
            web::get().to(crate::http::allowed_methods::no_route),
        )
        .service(correction_routes::apply_correction)
        .service(routes::check_eligibility)
        .service(routes::list_checks)
        .service(routes::get_check)
        .service(routes::encounter_check);
}
