//! Gives every request an id (kept from a well-formed incoming `X-Request-Id`), returns it in
//! the response, and writes one access-log line without PHI: the route pattern, never the
//! path or query (which may carry names or MRNs).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use std::cell::Cell;
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

thread_local! {
    // splitmix64 state, seeded once per thread from the OS generator.
    static ID_STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let b = uuid::Uuid::new_v4().into_bytes();
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

fn splitmix(state: &Cell<u64>) -> u64 {
    let s = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
    state.set(s);
    let mut z = s;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A new request id: a version 4 UUID from a per-thread generator seeded by the OS. Request
/// ids only correlate log lines and audit rows (they guard nothing), so they need to be unique,
/// not unpredictable; asking the OS for randomness on every request was a system call each.
pub fn new_request_id() -> String {
    let (a, b) = ID_STATE.with(|s| (splitmix(s), splitmix(s)));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    let mut buf = uuid::Uuid::encode_buffer();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut buf)
        .to_string()
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
    let id = incoming.unwrap_or_else(new_request_id);
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
#[allow(clippy::expect_used)]
mod tests {
    use super::{acceptable, new_request_id};

    #[test]
    fn generated_ids_are_distinct_version_4_uuids() {
        let a = new_request_id();
        let b = new_request_id();
        assert_ne!(a, b);
        for id in [a, b] {
            let u = uuid::Uuid::parse_str(&id).expect("a uuid");
            assert_eq!(u.get_version_num(), 4);
            assert!(acceptable(&id));
        }
    }

    #[test]
    fn only_short_plain_ids_are_kept() {
        assert!(acceptable("abc-123_x.y"));
        assert!(!acceptable(""));
        assert!(!acceptable("has space"));
        assert!(!acceptable(&"a".repeat(65)));
    }
}
