//! Query strings: like `web::Query`, but a failure names the parameter that failed (`?limit`),
//! found from the deserializer's path rather than guessed from serde's message text.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{ready, Ready};
use serde::de::DeserializeOwned;

use crate::error::{DomainError, FieldError};

/// A parsed query string.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parsed value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The name between the first pair of backticks in a serde message (unknown/missing fields).
fn quoted_name(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(&msg[start..start + len])
}

/// Parses `query` as `T`; on failure a 422 whose pointer is `?name` of the failing parameter.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, DomainError> {
    // No parameter may carry a NUL: PostgreSQL refuses it in text, so it would fail as a 500
    // deep in a query instead of as the caller's mistake.
    // A decoded NUL comes from a NUL byte or `%00` (other bytes decode to themselves or to
    // U+FFFD), so the string is only parsed for it when one of those is there.
    let with_nul = (query.contains('\0') || query.contains("%00"))
        .then(|| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        })
        .flatten();
    if let Some((name, _)) = with_nul {
        let name = name.replace('\0', "");
        return Err(DomainError::validation(vec![FieldError::new(
            format!("?{name}"),
            "invalid_parameter",
            "parameters may not contain a NUL character",
        )]));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        // The path names the parameter whose value failed; unknown and missing parameters
        // fail before any value, so their name is only in the message.
        let name = if path.is_empty() || path == "?" || path == "." {
            quoted_name(&msg).unwrap_or("query").to_string()
        } else {
            path
        };
        let code = if msg.starts_with("unknown field") {
            "unknown_parameter"
        } else if msg.starts_with("missing field") {
            "required"
        } else {
            "invalid_parameter"
        };
        DomainError::validation(vec![FieldError::new(format!("?{name}"), code, msg)])
    })
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = DomainError;
    type Future = Ready<Result<Self, DomainError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Query))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Q {
        active: Option<bool>,
        limit: Option<i64>,
        q: Option<String>,
    }

    fn pointer(query: &str) -> String {
        parse_query::<Q>(query).unwrap_err().errors[0]
            .pointer
            .clone()
    }

    #[test]
    fn errors_name_the_failing_parameter() {
        assert_eq!(pointer("active=maybe"), "?active");
        assert_eq!(pointer("q=x&limit=99999999999999999999999"), "?limit");
        assert_eq!(pointer("bogus=1"), "?bogus");
        assert_eq!(
            parse_query::<Q>("active=true&limit=5").unwrap().limit,
            Some(5)
        );
    }

    #[test]
    fn a_nul_in_a_parameter_is_refused_by_name() {
        assert_eq!(pointer("q=x&npi=12%003"), "?npi");
        assert_eq!(pointer("active=true&q=a%00"), "?q");
    }
}
