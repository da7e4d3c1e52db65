//! Optimistic concurrency over HTTP: the ETag carries a resource's version and If-Match must
//! name the current one for an update to go through.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::{DomainError, DomainResult};

/// The ETag value for a version: `"3"`.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// A version no resource ever has: what a weak ETag in If-Match stands for, because RFC 9110
/// compares If-Match strongly and a weak tag therefore never matches (412).
pub const NEVER_MATCHES: i32 = i32::MIN;

/// The version named by If-Match (`"3"` or `3`); `None` when absent or `*` (any current version,
/// RFC 9110 13.1.1); [`NEVER_MATCHES`] for a weak tag such as `W/"3"` or an empty field.
pub fn if_match(req: &HttpRequest) -> DomainResult<Option<i32>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| DomainError::bad_request("If-Match is not valid text"))?
        .trim();
    if text == "*" {
        return Ok(None);
    }
    // An empty field is an empty list of entity tags (RFC 9110's `#entity-tag`), which no
    // version matches: 412, never "no precondition", so a client's lost header cannot turn a
    // conditional write into a blind one.
    if text.is_empty() {
        return Ok(Some(NEVER_MATCHES));
    }
    let (weak, tag) = match text.strip_prefix("W/") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let bare = tag
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag);
    // A version as `etag` writes it: 1 to 9 digits, no sign, no leading zero. `0`, `-1` or
    // `+3` name no version a resource can have and are malformed, not merely stale (a stale
    // tag may still be answered as a replay of an earlier success).
    let well_formed = (1..=9).contains(&bare.len())
        && bare.bytes().all(|b| b.is_ascii_digit())
        && !bare.starts_with('0');
    let version = bare
        .parse::<i32>()
        .ok()
        .filter(|_| well_formed)
        .ok_or_else(|| {
            DomainError::invalid_field(
                "If-Match",
                "invalid_format",
                "If-Match must be the ETag you read, e.g. \"3\"",
            )
        })?;
    Ok(Some(if weak { NEVER_MATCHES } else { version }))
}

/// Like [`if_match`], but an update without If-Match gets 428; `*` gives `None` (any version).
pub fn required_if_match(req: &HttpRequest) -> DomainResult<Option<i32>> {
    if req.headers().contains_key(header::IF_MATCH) {
        if_match(req)
    } else {
        Err(DomainError::precondition_required())
    }
}

pub use crate::db::versioned::expect_version;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::Category;
    use actix_web::test::TestRequest;

    #[test]
    fn parses_strong_and_bare_versions() {
        for v in ["\"3\"", "3"] {
            let req = TestRequest::default()
                .insert_header((header::IF_MATCH, v))
                .to_http_request();
            assert_eq!(if_match(&req).unwrap(), Some(3));
        }
        for bad in ["\"abc\"", "0", "\"0\"", "-1", "+3", "007", "1234567890"] {
            let req = TestRequest::default()
                .insert_header((header::IF_MATCH, bad))
                .to_http_request();
            assert!(if_match(&req).is_err(), "{bad}");
        }
        let req = TestRequest::default().to_http_request();
        assert_eq!(
            required_if_match(&req).unwrap_err().category,
            Category::PreconditionRequired
        );
    }

    #[test]
    fn star_matches_any_version_and_weak_tags_never_match() {
        let req = TestRequest::default()
            .insert_header((header::IF_MATCH, "*"))
            .to_http_request();
        assert_eq!(required_if_match(&req).unwrap(), None);
        assert!(expect_version(7, required_if_match(&req).unwrap()).is_ok());
        let req = TestRequest::default()
            .insert_header((header::IF_MATCH, "W/\"3\""))
            .to_http_request();
        let expected = required_if_match(&req).unwrap();
        assert_eq!(
            expect_version(3, expected).unwrap_err().category,
            Category::Stale
        );
    }

    #[test]
    fn an_empty_if_match_matches_no_version() {
        let req = TestRequest::default()
            .insert_header((header::IF_MATCH, ""))
            .to_http_request();
        let expected = if_match(&req).unwrap();
        assert_eq!(
            expect_version(1, expected).unwrap_err().category,
            Category::Stale
        );
    }
}
