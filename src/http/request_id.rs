//! Gives every request an id (kept from a well-formed incoming `X-Request-Id`), returns it in
//! the response, and writes one access-log line without PHI: the route pattern, never the
//! path or query (which may carry names or MRNs). It is also where an answer waits for the
//! disk ([`crate::http::durable_answers`]), being the one middleware every app has.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use std::time::Instant;

/// The header carrying the request id both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The request id, stored in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Middleware function: assign the id, run the request, stamp the response and log it.
pub async fn assign_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let incoming = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_string);
    // A v4 UUID; uuid's `fast-rng` feature draws it from a thread-local generator seeded by
    // the OS instead of a getrandom system call per id (also for audit event ids).
    let id = incoming.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // The header value is made before the id moves into the request (no second copy).
    let value = HeaderValue::from_str(&id).ok();
    // The access line is built only when it is written (RUST_LOG=warn in production skips it).
    let logged = tracing::enabled!(target: "access", tracing::Level::INFO);
    let method = if logged {
        Some(req.method().clone())
    } else {
        None
    };
    let log_id = if logged { Some(id.clone()) } else { None };
    req.extensions_mut().insert(RequestId(id));
    let started = Instant::now();
    let mut res = next.call(req).await?;
    // An answer may show a commit that is not on disk yet (db::WalSync): it waits for it.
    if let Some(wal_sync) = crate::http::durable_answers::pending(res.request()) {
        wal_sync.synced_past_now().await;
    }
    if let Some(value) = value {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let (Some(method), Some(id)) = (method, log_id) else {
        return Ok(res);
    };
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "<unmatched>".into());
    tracing::info!(
        target: "access",
        request_id = %id,
        method = %method,
        route = %route,
        status = res.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_short_plain_ids_are_kept() {
        assert!(acceptable("abc-123_x.y"));
        assert!(!acceptable(""));
        assert!(!acceptable("has space"));
        assert!(!acceptable(&"a".repeat(65)));
    }
}
