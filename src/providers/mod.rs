//! Providers: the rendering, billing and referring clinicians and organizations named on
//! claims. Not PHI: writes are audited, reads are not.

pub mod model;
pub mod routes;
pub mod store;

pub use routes::configure;
