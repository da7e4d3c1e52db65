//! Code tables over HTTP (lookup, search, validate, summary) and imports of licensed or newer
//! tables into the database, which become overlays at start.

pub mod imports;
pub mod routes;
pub mod search_body;
pub mod search_cache;
