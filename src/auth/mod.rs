//! Authentication and authorisation: users and service accounts, password hashing, access
//! tokens, roles and the permission matrix, and the OAuth2 token endpoint.

pub mod accounts;
pub mod context;
pub mod password;
pub mod roles;
pub mod routes;
pub mod sessions;
pub mod throttle;
pub mod token_cache;
pub mod tokens;

pub use context::RequestCtx;
