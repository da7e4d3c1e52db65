//! Route areas: the application's routes grouped by their first path segments, so a request
//! is matched only against the patterns of its own area.
//!
//! actix tries an application's routes one by one, each dynamic pattern a regex (and every
//! method of a path is a route of its own). With some 80 routes in one flat list, a code search
//! (registered last) ran most of the others' regexes first: about a quarter of the server's CPU
//! on a cached search (docs/performance.md, issue 17). An area is a scope that first compares
//! the path's prefix, which costs a few byte comparisons, and only then tries its own routes.
//!
//! The scope has an empty prefix and a guard on the path, rather than a real prefix such as
//! `web::scope("/v1/patients")`, so that every handler keeps its full path in its `#[get(..)]`
//! attribute (the same text as its OpenAPI `path`, and as callers see it), and a capability
//! whose routes live under several areas (the patient balance of `ledger`, for one) needs no
//! second registration function.
//!
//! Areas must not overlap: a request whose path an area claims never reaches another area. A
//! path an area claims but none of its routes match is answered by the application's default
//! service (`allowed_methods::no_route`: 405 with `Allow`, or 404), as before.

use actix_web::{guard, web, Scope};

/// Whether `path` is `prefix` itself or below it (`/v1/claims` and `/v1/claims/x`, not
/// `/v1/claimsx`).
pub fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A scope for the paths under any of `prefixes` (full paths, e.g. `/v1/patients`); register
/// the area's routes on it with `.configure(..)`.
pub fn area(prefixes: &'static [&'static str]) -> Scope {
    web::scope("").guard(guard::fn_guard(move |ctx| {
        let path = ctx.head().uri.path();
        prefixes.iter().any(|p| is_under(path, p))
    }))
}

#[cfg(test)]
mod tests {
    use super::is_under;

    #[test]
    fn a_prefix_claims_whole_segments_only() {
        assert!(is_under("/v1/claims", "/v1/claims"));
        assert!(is_under("/v1/claims/", "/v1/claims"));
        assert!(is_under("/v1/claims/batch", "/v1/claims"));
        assert!(!is_under("/v1/claimsx", "/v1/claims"));
        assert!(!is_under("/v1/claim", "/v1/claims"));
        assert!(!is_under("/v1", "/v1/claims"));
    }
}
