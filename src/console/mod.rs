//! The assistants' web console under `/app/`: server-rendered HTML (askama templates compiled
//! into the binary) with a vendored htmx for partial updates. Every screen builds a
//! [`RequestCtx`](crate::http::RequestCtx) from the signed-in session and calls the same
//! stores, services and audit as the API routes; nothing here holds a business rule of its own.
//! See docs/console.md.

pub mod account;
pub mod assets;
pub mod billing;
pub mod claim_actions;
pub mod claims;
pub mod edits;
pub mod eligibility;
pub mod encounter_actions;
pub mod frontdesk;
pub mod login;
pub mod nav;
pub mod page;
pub mod queries;
pub mod receivables;
pub mod remittances;
pub mod session;
pub mod settings;
pub mod specimens;
pub mod statement_run;
pub mod unmatched;

use actix_web::middleware::from_fn;
use actix_web::web;

pub use settings::ConsoleSettings;

/// Mounts the console under `/app` (nothing when the setting turns it off). Screens added
/// later register in [`configure_screens`] and list themselves in [`nav::NAV`].
pub fn configure(cfg: &mut web::ServiceConfig, enabled: bool) {
    if !enabled {
        return;
    }
    cfg.service(
        web::scope("/app")
            .wrap(from_fn(session::refresh_cookie))
            .configure(assets::configure)
            .configure(login::configure)
            .configure(configure_screens),
    );
}

/// The screens, one module each.
fn configure_screens(cfg: &mut web::ServiceConfig) {
    cfg.configure(nav::configure)
        .configure(frontdesk::configure)
        .configure(edits::configure)
        .configure(eligibility::configure)
        .configure(account::configure)
        .configure(statement_run::configure)
        .configure(billing::configure)
        .configure(encounter_actions::configure)
        .configure(claims::configure)
        .configure(claim_actions::configure)
        .configure(specimens::configure)
        .configure(receivables::configure)
        .configure(unmatched::configure)
        .configure(remittances::configure);
}
