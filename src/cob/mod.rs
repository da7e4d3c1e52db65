//! Coordination of benefits: billing what is left after a payer adjudicated to the patient's
//! next coverage (secondary, then tertiary).
//!
//! - [`model`]: what a COB claim's snapshot says about earlier payers, the link rows;
//! - [`decision`] (pure): an earlier payer's posting (entries, denials, and what its stored 835
//!   adds, [`remit_facts`]: MOA/MIA remarks, changed codes) -> its 2320/2430 facts;
//! - [`to_x12`]: those facts -> the 837P writer's [`crate::x12::OtherPayer`];
//! - [`batch`]: builds next payer claims of many claims with few statements (load once, plan
//!   in memory, multi-row writes); `ledger::transfer` (pure) plans the ledger transfers;
//! - [`service`]: `next_payer_in` is a batch of one; [`auto`] queues it from a posting when
//!   the payer asks;
//! - [`crossover`]: the next payer's remittance of a claim its payer forwarded posts to the
//!   next-payer claim (recorded then, never sent);
//! - [`routes`]: `POST /v1/claims/{id}/next-payer`; [`batch_routes`]:
//!   `POST /v1/claims/next-payer/batch`.
//!
//! docs/remittance.md ("Secondary and tertiary claims") describes the flow.

pub mod auto;
pub mod batch;
pub mod batch_routes;
pub mod crossover;
pub mod decision;
pub mod model;
pub mod posting;
pub mod remit_facts;
pub mod routes;
pub mod service;
pub mod store;
pub mod to_x12;

use actix_web::web;

/// Registers the COB routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(batch_routes::next_payer_batch)
        .service(routes::next_payer);
}
