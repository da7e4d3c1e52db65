//! Static files compiled into the binary: htmx (vendored from the npm package `htmx.org`,
//! licence in assets/htmx-LICENSE) and the style sheet. Their names carry a version, so they
//! are cached for a year.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

const HTMX: &str = include_str!("assets/htmx.min.js");
const CSS: &str = include_str!("assets/console.css");

/// Cache-Control of the versioned assets.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Path of the vendored htmx (its version in the name).
pub const HTMX_PATH: &str = "/app/assets/htmx-2.0.11.min.js";
/// Path of the style sheet (bump the number when it changes).
pub const CSS_PATH: &str = "/app/assets/console-1.css";

#[get("/assets/htmx-2.0.11.min.js")]
async fn htmx() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .body(HTMX)
}

#[get("/assets/console-1.css")]
async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .body(CSS)
}

/// Mounts the assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(htmx).service(css);
}
