//! Outbound HTTP: one client construction for everything that calls other systems
//! (webhook deliveries, the clearinghouse `http` adapter, eligibility over HTTP).

pub mod client;
