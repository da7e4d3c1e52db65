//! Encounters: a visit as one document (visit details, ordered diagnoses, service lines), its
//! status machine (open -> coded -> billed; on hold; void), sign-off gated by the scrubber with
//! admin overrides, the work queue, and the fee schedules that price lines. Encounters hold
//! diagnoses (PHI): every read and write is audited. See docs/encounters.md.

pub mod action_routes;
pub mod check;
pub mod fees;
pub mod form_schemas;
pub mod forms;
pub mod line_routes;
pub mod line_rules;
pub mod model;
pub mod overrides;
pub mod refs;
pub mod routes;
pub mod scrubbing;
pub mod service;
pub mod status;
pub mod store;

/// Mounts the encounter and fee schedule routes.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(routes::create_encounter)
        .service(routes::list_encounters)
        .service(routes::get_encounter)
        .service(routes::update_encounter)
        .service(line_routes::add_line)
        .service(line_routes::update_line)
        .service(line_routes::delete_line)
        .service(action_routes::hold_encounter)
        .service(action_routes::release_encounter)
        .service(action_routes::void_encounter)
        .service(action_routes::validate_encounter)
        .service(action_routes::sign_off_encounter)
        .service(action_routes::override_finding)
        .configure(fees::routes::configure);
}
