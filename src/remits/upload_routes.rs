//! The body of `POST /v1/remittances`: an 835 may be much larger than the 1 MiB the server
//! allows other bodies (a large payer's weekly payment runs to several MiB), so this route reads
//! its payload itself, up to its own limit (`AppState::remit_max_bytes`: `MEDBILL_REMIT_MAX_BYTES`,
//! default 16 MiB, read by `config::remit_max_bytes_from_env`), and
//! answers a 413 problem naming the limit above it. The limit is checked against
//! `Content-Length` first (nothing is read) and again while reading (chunked bodies).

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::error::{Category, DomainError, DomainResult};

fn too_large(limit: usize) -> DomainError {
    DomainError::new(
        Category::TooLarge,
        "payload-too-large",
        format!(
            "the 835 is larger than {limit} bytes, the limit of this route \
             (MEDBILL_REMIT_MAX_BYTES); import it through the clearinghouse inbox or \
             `medbill remits import`"
        ),
    )
    .with_extension("max_bytes", serde_json::json!(limit))
}

/// Reads the whole body, refusing with 413 once it exceeds `limit` bytes.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> DomainResult<Vec<u8>> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| DomainError::bad_request("the request body could not be read"))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
