//! 405 Method Not Allowed for known paths: the methods each path answers are read once from
//! the OpenAPI document, so the `Allow` header cannot drift from the routes it describes (a
//! route missing from the document would already fail the schemathesis run).

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use utoipa::OpenApi;

use crate::error::{Category, DomainError};

/// One documented path: its segments (`None` for a `{parameter}`) and the methods it answers.
struct KnownPath {
    segments: Vec<Option<String>>,
    allow: String,
}

fn known_paths() -> &'static [KnownPath] {
    static PATHS: OnceLock<Vec<KnownPath>> = OnceLock::new();
    PATHS.get_or_init(|| {
        crate::openapi::ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(template, item)| KnownPath {
                segments: split(template)
                    .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
                    .collect(),
                allow: methods_of(item).join(", "),
            })
            .collect()
    })
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/').split('/')
}

fn methods_of(item: &utoipa::openapi::PathItem) -> Vec<&'static str> {
    [
        (item.get.is_some(), "GET"),
        (item.post.is_some(), "POST"),
        (item.put.is_some(), "PUT"),
        (item.patch.is_some(), "PATCH"),
        (item.delete.is_some(), "DELETE"),
    ]
    .into_iter()
    .filter_map(|(present, name)| present.then_some(name))
    .collect()
}

/// The `Allow` value for `path` when the document describes it (literal segments win over
/// parameters, as actix matches them), else `None`.
pub fn allowed_for(path: &str) -> Option<&'static str> {
    let parts: Vec<&str> = split(path).collect();
    known_paths()
        .iter()
        .filter(|k| {
            k.segments.len() == parts.len()
                && k.segments.iter().zip(&parts).all(|(seg, part)| match seg {
                    Some(literal) => literal == part,
                    None => !part.is_empty(),
                })
        })
        .max_by_key(|k| k.segments.iter().filter(|s| s.is_some()).count())
        .map(|k| k.allow.as_str())
}

/// What the app answers when no route matched: 405 with `Allow` for a documented path used
/// with another method, 404 otherwise.
pub async fn no_route(req: HttpRequest) -> HttpResponse {
    match allowed_for(req.path()) {
        Some(allow) => {
            let mut response = DomainError::new(
                Category::MethodNotAllowed,
                "method-not-allowed",
                format!(
                    "{} is not allowed here; this path answers {allow}",
                    req.method()
                ),
            )
            .error_response();
            if let Ok(value) = header::HeaderValue::from_str(allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        None => DomainError::new(
            Category::NotFound,
            "not-found",
            format!("there is no route {} {}", req.method(), req.path()),
        )
        .error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_paths_list_their_methods() {
        assert_eq!(allowed_for("/health/live"), Some("GET"));
        assert_eq!(
            allowed_for("/v1/patients/0192a4c2-0000-7000-8000-000000000000"),
            Some("GET, PATCH, DELETE")
        );
        assert_eq!(allowed_for("/v1/patients"), Some("GET, POST"));
        assert_eq!(allowed_for("/v1/nothing"), None);
        assert_eq!(allowed_for("/v1/patients/a/b/c"), None);
    }
}
