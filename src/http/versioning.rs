//! Optimistic concurrency over HTTP: the ETag carries a resource's version and If-Match must
//! name the current one for an update to go through.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::{ApiError, ApiResult};

/// The ETag value for a version: `"3"`.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The version named by If-Match (`"3"`, `W/"3"` or `3`); `None` when absent or `*`.
pub fn if_match(req: &HttpRequest) -> ApiResult<Option<i32>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::bad_request("If-Match is not valid text"))?
        .trim();
    if text == "*" {
        return Ok(None);
    }
    let bare = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    bare.parse::<i32>().map(Some).map_err(|_| {
        ApiError::invalid_field(
            "If-Match",
            "invalid_format",
            "If-Match must be the ETag you read, e.g. \"3\"",
        )
    })
}

/// Like [`if_match`], but an update without If-Match gets 428.
pub fn required_if_match(req: &HttpRequest) -> ApiResult<i32> {
    if_match(req)?.ok_or_else(ApiError::precondition_required)
}

/// Fails with 412 when the caller's version (if any) is not `current`.
pub fn expect_version(current: i32, expected: Option<i32>) -> ApiResult<()> {
    match expected {
        Some(v) if v != current => Err(ApiError::stale(current)),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn parses_strong_weak_and_bare_versions() {
        for v in ["\"3\"", "W/\"3\"", "3"] {
            let req = TestRequest::default()
                .insert_header((header::IF_MATCH, v))
                .to_http_request();
            assert_eq!(if_match(&req).unwrap(), Some(3));
        }
        let req = TestRequest::default()
            .insert_header((header::IF_MATCH, "*"))
            .to_http_request();
        assert_eq!(if_match(&req).unwrap(), None);
        let req = TestRequest::default()
            .insert_header((header::IF_MATCH, "\"abc\""))
            .to_http_request();
        assert!(if_match(&req).is_err());
        let req = TestRequest::default().to_http_request();
        assert_eq!(required_if_match(&req).unwrap_err().status.as_u16(), 428);
    }
}
