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
mod claim_batch;
mod claim_queries;
mod claim_reopen;
mod claims;
mod claims_x12valid;
mod cli;
mod code_reload;
mod codeset_search_quality;
mod codesets;
mod codesets_import;
mod coverages;
mod encounter_workflow;
mod encounters;
mod fee_schedules;
mod graceful_stop;
mod hardening_audit;
mod hardening_auth;
mod hardening_http;
mod hardening_idempotency;
mod hardening_outage;
mod late_acks;
mod ledger;
mod mue;
mod openapi;
mod operations;
mod patients;
mod payers;
mod problem_bodies;
mod providers;
mod remittance;
mod remittance_fixtures;
mod remittance_reliability;
mod scrub_history;
mod specimen_access;
mod specimen_billing;
mod specimen_labels;
mod specimens;
mod storage;
mod submission;
mod submission_acks;
mod submission_reliability;
mod throughput;
mod x12_line_breaks;
mod x12_validation;
