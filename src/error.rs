//! The one error type of services and handlers: a domain category, a stable slug, the detail
//! and per-field errors. It knows nothing of HTTP; `crate::http::problem` renders it as RFC 9457
//! problem+json.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use std::fmt;

/// One problem with one input field, located by a JSON pointer into the request.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON pointer to the offending field (`/birth_date`), or the parameter name for query
    /// and path parameters (`?limit`, `{id}`).
    pub pointer: String,
    /// A stable machine-readable code (`required`, `invalid_format`, `too_long`, ...).
    pub code: String,
    /// What is wrong, in words a billing assistant understands.
    pub message: String,
}

impl FieldError {
    /// A field error at `pointer`.
    pub fn new(pointer: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        FieldError {
            pointer: pointer.into(),
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// What kind of failure an error is, independent of the protocol that reports it. The HTTP
/// layer (`crate::http::problem`) turns each category into a status code; a service only says
/// what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// The request cannot be read (malformed body, URL or form).
    BadRequest,
    /// No valid credentials.
    Unauthenticated,
    /// Authenticated, but the role does not allow this.
    Forbidden,
    /// No such resource (or one the caller may not know exists).
    NotFound,
    /// The resource exists but does not answer this method.
    MethodNotAllowed,
    /// A duplicate, a state conflict, or a retry of work still in progress.
    Conflict,
    /// The caller's version of the resource is not the current one.
    Stale,
    /// The content is larger than this route accepts.
    TooLarge,
    /// The content is not in a format this route reads.
    UnsupportedMediaType,
    /// The content is well-formed but invalid (validation; `errors` say which fields).
    Invalid,
    /// An update did not say which version it changes.
    PreconditionRequired,
    /// Too many attempts; the caller must wait (`retry_after`).
    Throttled,
    /// Something we did not expect.
    Internal,
    /// A partner system (the clearinghouse) failed.
    UpstreamFailed,
    /// A dependency (the database) is unavailable; the caller may retry.
    Unavailable,
    /// A partner system (the clearinghouse) did not answer in time.
    UpstreamTimeout,
}

impl Category {
    /// Whether the caller caused the failure and can fix the request (rather than the server
    /// or one of its dependencies failing).
    pub fn is_client_error(self) -> bool {
        !matches!(
            self,
            Category::Internal
                | Category::UpstreamFailed
                | Category::Unavailable
                | Category::UpstreamTimeout
        )
    }
}

/// A failure of a service or handler: its category plus what the client is told about it.
#[derive(Debug, Clone)]
pub struct DomainError {
    /// What kind of failure this is (the HTTP layer derives the status code from it).
    pub category: Category,
    /// Short slug naming the problem type (the last part of the `type` URI).
    pub kind: &'static str,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// Per-field details, empty when the problem is not about particular fields.
    pub errors: Vec<FieldError>,
    /// Extra members merged into the problem document (e.g. the OAuth2 `error` code).
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// Result type of handlers and services.
pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    /// An error of the given category and kind.
    pub fn new(category: Category, kind: &'static str, detail: impl Into<String>) -> Self {
        DomainError {
            category,
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
        }
    }

    /// The request cannot be parsed (400).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(Category::BadRequest, "bad-request", detail)
    }

    /// The content is well-formed but invalid (422); `errors` say which fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => one.message.clone(),
            _ => format!("{} fields are invalid", errors.len()),
        };
        let mut e = Self::new(Category::Invalid, "validation-error", detail);
        e.errors = errors;
        e
    }

    /// A validation error (422) for a single field.
    pub fn invalid_field(pointer: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(pointer, code, message)])
    }

    /// No valid credentials (401).
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(Category::Unauthenticated, "unauthorized", detail)
    }

    /// Authenticated, but the role does not allow this (403).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(Category::Forbidden, "forbidden", detail)
    }

    /// No such resource, or one the caller may not know exists (404).
    pub fn not_found(what: &str) -> Self {
        Self::new(Category::NotFound, "not-found", format!("{what} not found"))
    }

    /// Adds `retry_after` (seconds): sent as the Retry-After header and kept in the body.
    pub fn retry_after(self, seconds: u64) -> Self {
        self.with_extension("retry_after", serde_json::json!(seconds))
    }

    /// A duplicate or a state conflict (409).
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(Category::Conflict, "conflict", detail)
    }

    /// The If-Match version is not the current one (412).
    pub fn stale(current: i32) -> Self {
        let mut e = Self::new(
            Category::Stale,
            "stale-version",
            format!("the resource has changed; the current version is {current}"),
        );
        e.extensions
            .insert("current_version".into(), serde_json::json!(current));
        e
    }

    /// An update needs If-Match (428).
    pub fn precondition_required() -> Self {
        Self::new(
            Category::PreconditionRequired,
            "precondition-required",
            "send If-Match with the version you read, e.g. If-Match: \"3\"",
        )
    }

    /// A dependency (the database) is unavailable; the client may retry (503).
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(Category::Unavailable, "unavailable", detail)
    }

    /// Something we did not expect (500). The detail never carries internal text.
    pub fn internal() -> Self {
        Self::new(
            Category::Internal,
            "internal-error",
            "an unexpected error occurred; it has been logged with the request id",
        )
    }

    /// Adds an extension member to the problem document. The standard members (`type`,
    /// `title`, `status`, `detail`, `instance`, `errors`) cannot be overridden: a resource's
    /// state goes in `current_status`.
    pub fn with_extension(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extensions.insert(key.to_string(), value);
        self
    }

    /// Adds per-field details to any problem (a 409 on a duplicate value names its field).
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors.extend(errors);
        self
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The slug only: the detail may quote stored values (PHI) and this text is logged.
        f.write_str(self.kind)
    }
}

impl From<DieselError> for DomainError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => DomainError::not_found("resource"),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                DomainError::conflict("a record with the same unique value already exists")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                DomainError::invalid_field(
                    "",
                    "unknown_reference",
                    "a referenced record does not exist",
                )
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                DomainError::unavailable("the database was busy; retry the request")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                DomainError::unavailable("the database connection was lost; retry the request")
            }
            other => {
                // Database messages can quote stored values (PHI): log the kind only.
                tracing::error!(error_kind = %diesel_error_kind(&other), "database error");
                DomainError::internal()
            }
        }
    }
}

fn diesel_error_kind(e: &DieselError) -> String {
    match e {
        DieselError::DatabaseError(kind, _) => format!("database:{kind:?}"),
        DieselError::DeserializationError(_) => "deserialization".into(),
        DieselError::SerializationError(_) => "serialization".into(),
        DieselError::QueryBuilderError(_) => "query_builder".into(),
        DieselError::RollbackTransaction => "rollback".into(),
        _ => "other".into(),
    }
}

impl From<diesel::r2d2::PoolError> for DomainError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        // r2d2 carries the last connection error (e.g. "Connection refused"): log the cause.
        tracing::warn!(error = %e, "no database connection");
        DomainError::unavailable("no database connection is available; retry shortly")
    }
}
