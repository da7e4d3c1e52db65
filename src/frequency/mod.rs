//! Payer frequency limits: the table the scrubber's `frequency.exceeded` rule reads, its API
//! (`/v1/frequency-rules`, admin and billing edit) and the bundled Medicare seed.

pub mod model;
pub mod routes;
pub mod seed;
pub mod store;

pub use routes::configure;
