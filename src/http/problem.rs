//! The HTTP face of [`DomainError`]: each category's status code, the RFC 9457 problem+json
//! document, and the response with its headers (`WWW-Authenticate` on 401, `Retry-After`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{Category, DomainError, FieldError};

/// The HTTP status code of a category.
pub fn status_of(category: Category) -> StatusCode {
    match category {
        Category::BadRequest => StatusCode::BAD_REQUEST,
        Category::Unauthenticated => StatusCode::UNAUTHORIZED,
        Category::Forbidden => StatusCode::FORBIDDEN,
        Category::NotFound => StatusCode::NOT_FOUND,
        Category::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Category::Conflict => StatusCode::CONFLICT,
        Category::Stale => StatusCode::PRECONDITION_FAILED,
        Category::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Category::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Category::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Category::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
        Category::Throttled => StatusCode::TOO_MANY_REQUESTS,
        Category::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Category::UpstreamFailed => StatusCode::BAD_GATEWAY,
        Category::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Category::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
    }
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

impl From<&DomainError> for Problem {
    fn from(e: &DomainError) -> Self {
        let status = status_of(e.category);
        Problem {
            type_uri: format!("https://medbill.dev/problems/{}", e.kind),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: e.detail.clone(),
            errors: e.errors.clone(),
            // RFC 9457: `status` is the HTTP status code; an extension never replaces a
            // standard member (serialised after them, it would win in most JSON readers).
            extensions: e
                .extensions
                .iter()
                .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

impl ResponseError for DomainError {
    fn status_code(&self) -> StatusCode {
        status_of(self.category)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut builder = HttpResponse::build(status);
        builder.content_type("application/problem+json");
        if status == StatusCode::UNAUTHORIZED {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"medbill\""));
        }
        // Every 503 (and whatever set `retry_after`: 409 in progress, 429) says when to retry.
        let retry = self.extensions.get("retry_after").and_then(|v| v.as_u64());
        match retry {
            Some(secs) => {
                builder.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            None if status == StatusCode::SERVICE_UNAVAILABLE => {
                builder.insert_header((header::RETRY_AFTER, "1"));
            }
            None => {}
        }
        builder.json(Problem::from(self))
    }
}

impl From<actix_web::error::BlockingError> for DomainError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        DomainError::unavailable("the server is shutting down or overloaded; retry shortly")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_cannot_replace_standard_members() {
        let p = Problem::from(
            &DomainError::conflict("x")
                .with_extension("status", serde_json::json!("queued"))
                .with_extension("current_status", serde_json::json!("queued")),
        );
        let v = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(v["status"], 409);
        assert_eq!(v["current_status"], "queued");
    }

    #[test]
    fn the_helpers_keep_their_status_codes() {
        let cases = [
            (DomainError::bad_request("x"), 400),
            (DomainError::unauthorized("x"), 401),
            (DomainError::forbidden("x"), 403),
            (DomainError::not_found("x"), 404),
            (DomainError::conflict("x"), 409),
            (DomainError::stale(3), 412),
            (DomainError::invalid_field("/a", "required", "x"), 422),
            (DomainError::precondition_required(), 428),
            (DomainError::internal(), 500),
            (DomainError::unavailable("x"), 503),
        ];
        for (e, code) in cases {
            assert_eq!(e.status_code().as_u16(), code, "{}", e.kind);
            // A client error in the domain is a 4xx on the wire, and only those.
            assert_eq!(e.category.is_client_error(), code < 500, "{}", e.kind);
        }
    }

    #[test]
    fn client_errors_are_exactly_the_4xx() {
        use Category::*;
        let all = [
            BadRequest,
            Unauthenticated,
            Forbidden,
            NotFound,
            MethodNotAllowed,
            Conflict,
            Stale,
            TooLarge,
            UnsupportedMediaType,
            Invalid,
            PreconditionRequired,
            Throttled,
            Internal,
            UpstreamFailed,
            Unavailable,
            UpstreamTimeout,
        ];
        for c in all {
            assert_eq!(c.is_client_error(), status_of(c).is_client_error(), "{c:?}");
        }
    }

    #[test]
    fn a_401_names_the_scheme_and_a_503_says_when_to_retry() {
        let r = DomainError::unauthorized("x").error_response();
        assert_eq!(
            r.headers()
                .get(header::WWW_AUTHENTICATE)
                .map(|v| v.as_bytes()),
            Some(&b"Bearer realm=\"medbill\""[..])
        );
        let r = DomainError::unavailable("x").error_response();
        assert_eq!(
            r.headers().get(header::RETRY_AFTER).map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
        let r = DomainError::conflict("x").retry_after(7).error_response();
        assert_eq!(
            r.headers().get(header::RETRY_AFTER).map(|v| v.as_bytes()),
            Some(&b"7"[..])
        );
    }
}
