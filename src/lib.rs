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
        .configure(audit::routes::configure)
        .configure(patients::routes::configure)
        .configure(providers::configure)
        .configure(payers::configure)
        .configure(coverages::configure)
        .configure(encounters::configure)
        .configure(specimens::configure)
        .configure(claims::configure)
        .configure(remits::routes::configure)
        .configure(remits::configure_payments)
        .configure(ledger::configure)
        .configure(reports::configure)
        .configure(codeset_api::routes::configure)
        .configure(frequency::configure)
        .configure(events::routes::configure)
        .configure(webhooks::routes::configure)
        .configure(statements::configure)
        .configure(cob::configure)
        .configure(eligibility::configure)
        .configure(|c| console::configure(c, console_on))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .external_url_unchecked("/openapi.json", openapi::spec_value()),
        )
        .default_service(web::to(http::allowed_methods::no_route));
}
