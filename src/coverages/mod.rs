//! Coverages: a patient's insurance with one payer (member id, subscriber, priority, dates).
//! PHI: every read and write is audited.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;

pub use routes::configure;
