//! The integration suite as one test binary: each module drives the real HTTP app (or the
//! real binary) against a real database. One binary links the library once instead of once
//! per file, which is most of the suite's build time on a two-core machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;
mod claims_fx;
mod specimen_support;

mod api_fuzz;
mod audit;
mod auth;
mod claims;
mod claims_x12valid;
mod cli;
mod codesets;
mod codesets_import;
mod coverages;
mod encounter_workflow;
mod encounters;
mod fee_schedules;
mod mue;
mod openapi;
mod patients;
mod payers;
mod providers;
mod scrub_history;
mod specimen_access;
mod specimen_billing;
mod specimen_labels;
mod specimens;
mod storage;
mod submission;
mod submission_acks;
mod submission_reliability;
mod x12_validation;
