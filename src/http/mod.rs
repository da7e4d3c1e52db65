//! HTTP plumbing shared by every route: request ids, the authenticated caller, JSON bodies,
//! versions (ETag/If-Match), pagination, idempotency keys, and errors as problem+json.

pub mod allowed_methods;
pub mod area;
pub mod context;
pub mod durable_answers;
pub mod idempotency;
pub mod json;
pub mod mutation;
pub mod pagination;
pub mod problem;
pub mod query;
pub mod reads;
pub mod registry;
pub mod request_id;
pub mod versioning;

pub use context::RequestCtx;
pub use json::JsonBody;
