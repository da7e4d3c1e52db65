//! Placeholder: claims and the submission queue are being written.

/// Mounts the routes.
pub fn configure(_cfg: &mut actix_web::web::ServiceConfig) {}
