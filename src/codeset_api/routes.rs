//! Code table routes.

/// Mounts the routes.
pub fn configure(_cfg: &mut actix_web::web::ServiceConfig) {}
