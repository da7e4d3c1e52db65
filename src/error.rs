//! One error type for every failure, rendered as RFC 9457 problem+json with per-field details.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
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

/// An API failure: the HTTP status plus the problem document sent to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status code.
    pub status: StatusCode,
    /// Short slug naming the problem type (the last part of the `type` URI).
    pub kind: &'static str,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// Per-field details, empty when the problem is not about particular fields.
    pub errors: Vec<FieldError>,
    /// Extra members merged into the problem document (e.g. the OAuth2 `error` code).
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// The problem+json body (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// Per-field details.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extension members.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// The standard problem members extensions may not use.
const RESERVED: [&str; 6] = ["type", "title", "status", "detail", "instance", "errors"];

/// Result type of handlers and services.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A problem of the given status and kind.
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
        }
    }

    /// 400: the request cannot be parsed.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", detail)
    }

    /// 422: the content is well-formed but invalid; `errors` say which fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => one.message.clone(),
            _ => format!("{} fields are invalid", errors.len()),
        };
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation-error", detail);
        e.errors = errors;
        e
    }

    /// 422 for a single field.
    pub fn invalid_field(pointer: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(pointer, code, message)])
    }

    /// 401: no valid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 403: authenticated, but the role does not allow this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 404: no such resource (or one the caller may not know exists).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("{what} not found"),
        )
    }

    /// Adds `retry_after` (seconds): sent as the Retry-After header and kept in the body.
    pub fn retry_after(self, seconds: u64) -> Self {
        self.with_extension("retry_after", serde_json::json!(seconds))
    }

    /// 409: a duplicate or a state conflict.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", detail)
    }

    /// 412: the If-Match version is not the current one.
    pub fn stale(current: i32) -> Self {
        let mut e = Self::new(
            StatusCode::PRECONDITION_FAILED,
            "stale-version",
            format!("the resource has changed; the current version is {current}"),
        );
        e.extensions
            .insert("current_version".into(), serde_json::json!(current));
        e
    }

    /// 428: an update needs If-Match.
    pub fn precondition_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            "send If-Match with the version you read, e.g. If-Match: \"3\"",
        )
    }

    /// 503: a dependency (the database) is unavailable; the client may retry.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
    }

    /// 500: something we did not expect. The detail never carries internal text.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
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

    /// The problem document.
    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("https://medbill.dev/problems/{}", self.kind),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
            // RFC 9457: `status` is the HTTP status code; an extension never replaces a
            // standard member (serialised after them, it would win in most JSON readers).
            extensions: self
                .extensions
                .iter()
                .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.kind)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        builder.content_type("application/problem+json");
        if self.status == StatusCode::UNAUTHORIZED {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"medbill\""));
        }
        // Every 503 (and whatever set `retry_after`: 409 in progress, 429) says when to retry.
        let retry = self.extensions.get("retry_after").and_then(|v| v.as_u64());
        match retry {
            Some(secs) => {
                builder.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            None if self.status == StatusCode::SERVICE_UNAVAILABLE => {
                builder.insert_header((header::RETRY_AFTER, "1"));
            }
            None => {}
        }
        builder.json(self.problem())
    }
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => ApiError::not_found("resource"),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict("a record with the same unique value already exists")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                ApiError::invalid_field(
                    "",
                    "unknown_reference",
                    "a referenced record does not exist",
                )
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::unavailable("the database was busy; retry the request")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                ApiError::unavailable("the database connection was lost; retry the request")
            }
            other => {
                // Database messages can quote stored values (PHI): log the kind only.
                tracing::error!(error_kind = %diesel_error_kind(&other), "database error");
                ApiError::internal()
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

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::unavailable("the server is shutting down or overloaded; retry shortly")
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        // r2d2 carries the last connection error (e.g. "Connection refused"): log the cause.
        tracing::warn!(error = %e, "no database connection");
        ApiError::unavailable("no database connection is available; retry shortly")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_cannot_replace_standard_members() {
        let p = ApiError::conflict("x")
            .with_extension("status", serde_json::json!("queued"))
            .with_extension("current_status", serde_json::json!("queued"))
            .problem();
        let v = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(v["status"], 409);
        assert_eq!(v["current_status"], "queued");
    }
}
