//! Patients: the people the office bills for. Every read and write is audited (PHI).

pub mod model;
pub mod routes;
pub mod store;
