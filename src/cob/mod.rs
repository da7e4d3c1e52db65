//! Coordination of benefits: billing what is left after a payer adjudicated to the patient's
//! next coverage (secondary, then tertiary).
//!
//! - [`model`]: what a COB claim's snapshot says about earlier payers, the link rows;
//! - [`decision`] (pure): an earlier payer's posting (entries, denials) -> its 2320/2430 facts;
//! - [`to_x12`]: those facts -> the 837P writer's [`crate::x12::OtherPayer`];
//! - [`service`]: `next_payer_in` builds the next payer's claim, moves the balance by ledger
//!   transfers, links the claims; [`auto`] queues it from a posting when the payer asks;
//! - [`routes`]: `POST /v1/claims/{id}/next-payer`.
//!
//! docs/remittance.md ("Secondary and tertiary claims") describes the flow.

pub mod auto;
pub mod decision;
pub mod model;
pub mod posting;
pub mod routes;
pub mod service;
pub mod store;
pub mod to_x12;

use actix_web::web;

/// Registers the COB routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(routes::next_payer);
}
