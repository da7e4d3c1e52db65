//! Placeholder: the specimen log is being written.

/// Mounts the routes.
pub fn configure(_cfg: &mut actix_web::web::ServiceConfig) {}
