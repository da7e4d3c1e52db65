//! medbill: a medical office billing and coding service.
//!
//! The library builds the HTTP application; the `medbill` binary and the integration tests
//! share it.

pub mod audit;
pub mod auth;
pub mod claims;
pub mod cob;
pub mod codeset_api;
pub mod codesets;
pub mod config;
pub mod console;
pub mod coverages;
pub mod db;
pub mod eligibility;
pub mod encounters;
pub mod error;
pub mod events;
pub mod frequency;
pub mod health;
pub mod http;
pub mod ledger;
pub mod net;
pub mod openapi;
pub mod ops;
pub mod outbox;
pub mod patients;
pub mod payers;
pub mod providers;
pub mod remits;
pub mod reports;
pub mod scrub;
pub mod server;
pub mod specimens;
pub mod state;
pub mod statements;
pub mod validation;
pub mod webhooks;
pub mod x12;

use actix_web::web;
use utoipa_swagger_ui::SwaggerUi;

use crate::http::area::area;
use crate::http::json::{form_error, path_error, query_error, MAX_BODY_BYTES};
use crate::state::AppState;

/// Registers the state, the request limits and every route. Wrap the `App` with
/// [`http::request_id::assign_request_id`] (via `middleware::from_fn`) as `server` does.
pub fn configure_app(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    let console_on = state.console.enabled;
    cfg.app_data(state)
        .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(
            web::FormConfig::default()
                .limit(MAX_BODY_BYTES)
                .error_handler(form_error),
        )
        .service(health::live)
        .service(health::ready)
        .service(auth::routes::issue_token)
        .configure(configure_areas)
        .configure(|c| console::configure(c, console_on))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .external_url_unchecked("/openapi.json", openapi::spec_value()),
        )
        .default_service(web::to(http::allowed_methods::no_route));
}

/// The API's routes, one [`area`] per first path segments (docs/architecture.md, "Routing").
/// Within an area, routes keep the order their modules register them in (literal segments such
/// as `/v1/claims/batch` before `/v1/claims/{id}`); a capability with routes under several
/// areas is registered in each (its routes outside an area's prefixes never match there).
fn configure_areas(cfg: &mut web::ServiceConfig) {
    cfg.service(
        area(&["/v1/patients"])
            .configure(patients::routes::configure)
            .configure(ledger::configure)
            .configure(statements::configure),
    )
    .service(area(&["/v1/codesets"]).configure(codeset_api::routes::configure))
    .service(area(&["/v1/specimens"]).configure(specimens::configure))
    .service(
        area(&[
            "/v1/claims",
            "/v1/submission-jobs",
            "/v1/acknowledgments",
            "/v1/interchanges",
        ])
        .configure(claims::configure)
        .configure(remits::configure_payments)
        .configure(cob::configure),
    )
    .service(
        area(&["/v1/encounters", "/v1/fee-schedules"])
            .configure(encounters::configure)
            .configure(claims::configure)
            .configure(eligibility::configure),
    )
    .service(
        area(&["/v1/coverages"])
            .configure(coverages::configure)
            .configure(eligibility::configure),
    )
    .service(area(&["/v1/eligibility"]).configure(eligibility::configure))
    .service(area(&["/v1/providers"]).configure(providers::configure))
    .service(area(&["/v1/payers"]).configure(payers::configure))
    .service(area(&["/v1/statements"]).configure(statements::configure))
    .service(area(&["/v1/remittances"]).configure(remits::routes::configure))
    .service(area(&["/v1/reports", "/v1/denials"]).configure(reports::configure))
    .service(area(&["/v1/frequency-rules"]).configure(frequency::configure))
    .service(area(&["/v1/events"]).configure(events::routes::configure))
    .service(area(&["/v1/webhook-endpoints"]).configure(webhooks::routes::configure))
    .service(area(&["/v1/audit"]).configure(audit::routes::configure));
}
