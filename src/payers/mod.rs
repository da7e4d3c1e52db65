//! Payers: the insurers claims are sent to, with their clearinghouse id, claim filing
//! indicator and timely filing limit. Not PHI: writes are audited, reads are not.

pub mod model;
pub mod routes;
pub mod store;

pub use routes::configure;
