//! Claims: immutable snapshots of signed-off encounters with their lifecycle and history, the
//! submission queue (an outbox leased by workers), interchanges with persisted control
//! numbers, clearinghouse adapters and acknowledgment ingestion. See docs/claims.md.

pub mod ack_routes;
pub mod acks;
pub mod action_routes;
pub mod batch;
pub mod batch_routes;
pub mod build_batch;
pub mod build_reads;
pub mod clearinghouse;
pub mod control;
pub mod forms;
pub mod frequency;
pub mod http_adapter;
pub mod interchange;
pub mod job_retry;
pub mod job_routes;
pub mod model;
pub mod queue;
pub mod queue_batch;
pub mod reopen;
pub mod reopen_routes;
pub mod routes;
pub mod service;
pub mod service_history;
pub mod settings;
pub mod sftp;
pub mod snapshot;
pub mod status;
pub mod store;
pub mod to_x12;
pub mod worker;
pub mod worker_cli;

/// Mounts the claim and submission-queue routes.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    // The batch routes come before `/v1/claims/{id}` routes so `batch` and `queue` are never
    // read as claim ids: other methods there answer 405 with `Allow: POST`, not a bad id.
    use actix_web::web;
    cfg.service(batch_routes::build_claims)
        .service(batch_routes::queue_claims)
        .route(
            "/v1/claims/batch",
            web::get().to(crate::http::allowed_methods::no_route),
        )
        .route(
            "/v1/claims/queue",
            web::get().to(crate::http::allowed_methods::no_route),
        )
        .service(routes::create_claim)
        .service(routes::list_claims)
        .service(routes::get_claim_837)
        .service(routes::get_claim)
        .service(action_routes::queue_claim)
        .service(action_routes::replace_claim)
        .service(action_routes::void_claim)
        .service(job_routes::list_jobs)
        .service(job_routes::retry_job)
        .service(reopen_routes::reopen_encounter)
        .service(ack_routes::list_acknowledgments)
        .service(ack_routes::list_interchanges)
        .service(ack_routes::get_interchange);
}
