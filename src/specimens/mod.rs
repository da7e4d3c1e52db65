//! The specimen log: accessioning (server-assigned accession numbers with a check digit),
//! the lifecycle (collected -> in_transit -> received -> in_process -> resulted; rejected and
//! cancelled terminal; recollection), the append-only chain of custody, labels with a Code 128
//! barcode (ZPL, SVG, PNG), the lab's lists, and the billing link to encounters. Specimens
//! carry patient identity: every read and write is audited. See docs/specimens.md.

pub mod accession;
pub mod action_routes;
pub mod billing;
pub mod check;
pub mod forms;
pub mod label;
pub mod lifecycle;
pub mod model;
pub mod routes;
pub mod service;
pub mod status;
pub mod store;

/// Mounts the routes (the accession lookup before `{id}` routes of the same shape).
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(routes::get_by_accession)
        .service(routes::create_specimen)
        .service(routes::list_specimens)
        .service(routes::get_specimen)
        .service(routes::update_specimen)
        .service(action_routes::transition_specimen)
        .service(action_routes::record_custody)
        .service(action_routes::recollect_specimen)
        .service(action_routes::specimen_label);
}
