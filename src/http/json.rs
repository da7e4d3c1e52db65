//! JSON request bodies: size-limited, unknown fields rejected by the target types, and every
//! failure reported as problem+json naming the field by JSON pointer.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::{Category, DomainError, FieldError};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A parsed JSON body plus a fingerprint of its bytes (for Idempotency-Key checks).
#[derive(Debug)]
pub struct JsonBody<T> {
    /// The parsed value.
    pub value: T,
    /// SHA-256 of the raw body, hex.
    pub fingerprint: String,
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// The part of a serde message before its " at line N column M" position suffix.
fn message_without_position(msg: &str) -> &str {
    msg.find(" at line ").map_or(msg, |i| &msg[..i])
}

/// The name between the first pair of backticks in a serde message.
fn quoted_name(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(&msg[start..start + len])
}

/// The pointer of the first string (key or value) in `v` that holds a NUL, if any.
fn nul_pointer(v: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) if s.contains('\0') => Some(at.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_pointer(x, &format!("{at}/{i}"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            if k.contains('\0') {
                Some(here)
            } else {
                nul_pointer(x, &here)
            }
        }),
        _ => None,
    }
}

/// Refuses a body with a NUL in any string: no stored text can hold one (PostgreSQL refuses
/// it), so it must fail as the caller's mistake, not deep in a query. Only a body containing
/// the escape `u0000` is parsed twice.
fn refuse_nul(bytes: &[u8]) -> Result<(), DomainError> {
    if !bytes.windows(5).any(|w| w == b"u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    match nul_pointer(&value, "") {
        Some(pointer) => Err(DomainError::validation(vec![FieldError::new(
            pointer,
            "invalid_character",
            "text may not contain a NUL character",
        )])),
        None => Ok(()),
    }
}

/// Parses `bytes` as `T`, mapping failures to 400 (not JSON) or 422 (wrong content).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DomainError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DomainError::bad_request(
            "the request body is empty; send a JSON object",
        ));
    }
    refuse_nul(bytes)?;
    // serde's derived structs also read a JSON array, field by field in order: `[null, null]`
    // would pass as a patch changing nothing. Every body medbill takes is an object (or null).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(DomainError::validation(vec![FieldError::new(
            "",
            "invalid_type",
            "the request body must be a JSON object, not an array",
        )]));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let base = pointer_of(e.path());
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return DomainError::bad_request(format!(
                "the request body is not valid JSON: {inner}"
            ));
        }
        let raw = inner.to_string();
        let msg = message_without_position(&raw);
        // serde_path_to_error's path already ends at an unknown field, but stops at the
        // parent of a missing one.
        let (pointer, code) = if msg.starts_with("unknown field") {
            (base, "unknown_field")
        } else if msg.starts_with("missing field") {
            (
                format!("{base}/{}", quoted_name(msg).unwrap_or("?")),
                "required",
            )
        } else if msg.starts_with("invalid type") {
            (base, "invalid_type")
        } else {
            (base, "invalid_value")
        };
        DomainError::validation(vec![FieldError::new(pointer, code, msg)])
    })?;
    de.end()
        .map_err(|_| DomainError::bad_request("the request body has data after the JSON value"))?;
    Ok(value)
}

fn content_type_ok(req: &HttpRequest) -> bool {
    let ct = req.content_type();
    ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"))
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = DomainError;
    type Future = LocalBoxFuture<'static, Result<Self, DomainError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let type_ok = content_type_ok(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !type_ok {
                return Err(DomainError::new(
                    Category::UnsupportedMediaType,
                    "unsupported-media-type",
                    "send the body as Content-Type: application/json",
                ));
            }
            let bytes = body.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    DomainError::new(
                        Category::TooLarge,
                        "payload-too-large",
                        format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
                    )
                } else {
                    DomainError::bad_request("the request body could not be read")
                }
            })?;
            let value = parse_json::<T>(&bytes)?;
            let fingerprint = hex::encode(Sha256::digest(&bytes));
            Ok(JsonBody { value, fingerprint })
        })
    }
}

/// Maps query-string errors (wrong types, unknown parameters) to a 422 naming the parameter.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let msg = err.to_string();
    let name = quoted_name(&msg).unwrap_or("query");
    DomainError::validation(vec![FieldError::new(
        format!("?{name}"),
        "invalid_parameter",
        message_without_position(&msg).replace("Query deserialize error: ", ""),
    )])
    .into()
}

/// Maps path errors (an id that is not a UUID) to a 400 naming the parameter.
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    let mut e = DomainError::bad_request(format!("the URL is not valid: {err}"));
    e.errors = vec![FieldError::new(
        "{id}",
        "invalid_uuid",
        "the id in the path must be a UUID",
    )];
    e.into()
}

/// Maps errors of actix's own `web::Json`/`web::Form` extractors (used by the token endpoint).
pub fn form_error(err: actix_web::error::UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    let status = err.status_code();
    let e = if status == StatusCode::PAYLOAD_TOO_LARGE {
        DomainError::new(
            Category::TooLarge,
            "payload-too-large",
            "the request body is too large",
        )
    } else {
        DomainError::bad_request(format!("the form body is not valid: {err}"))
    };
    e.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        code: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        items: Vec<Inner>,
    }

    fn err(body: &str) -> DomainError {
        match parse_json::<Outer>(body.as_bytes()) {
            Ok(_) => panic!("expected an error for {body}"),
            Err(e) => e,
        }
    }

    #[test]
    fn a_nul_in_any_string_is_refused_naming_it() {
        let e = err(r#"{"name":"a","items":[{"code":"x\u0000y"}]}"#);
        assert_eq!(e.category, Category::Invalid);
        assert_eq!(e.errors[0].pointer, "/items/0/code");
        assert_eq!(e.errors[0].code, "invalid_character");
        // An escaped backslash before the letters is text, not a NUL.
        assert!(parse_json::<Outer>(br#"{"name":"\\u0000","items":[]}"#).is_ok());
    }

    #[test]
    fn field_errors_carry_json_pointers() {
        let e = err(r#"{"name":"a","items":[{"code":"x","extra":1}]}"#);
        assert_eq!(e.category, Category::Invalid);
        assert_eq!(e.errors[0].pointer, "/items/0/extra");
        assert_eq!(e.errors[0].code, "unknown_field");
        let e = err(r#"{"items":[]}"#);
        assert_eq!(e.errors[0].pointer, "/name");
        assert_eq!(e.errors[0].code, "required");
        let e = err(r#"{"name":5,"items":[]}"#);
        assert_eq!(e.errors[0].pointer, "/name");
        assert_eq!(e.errors[0].code, "invalid_type");
    }

    #[test]
    fn an_array_is_not_an_object() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Patch {
            a: Option<i32>,
            b: Option<i32>,
        }
        let Err(e) = parse_json::<Patch>(b" [null, null]") else {
            panic!("an array was read as an object")
        };
        assert_eq!(e.category, Category::Invalid);
        assert_eq!(e.errors[0].code, "invalid_type");
        assert!(parse_json::<Patch>(br#"{"a": 1}"#).is_ok());
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert_eq!(err("{\"name\":").category, Category::BadRequest);
        assert_eq!(err("").category, Category::BadRequest);
        assert_eq!(
            err(r#"{"name":"a","items":[]} x"#).category,
            Category::BadRequest
        );
    }
}
