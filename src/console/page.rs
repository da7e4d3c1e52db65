//! Rendering: the page frame every screen shares ([`Chrome`]), HTML responses, and errors as
//! HTML pages (the API's problem details, with the per-field messages, for a person).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::nav::{self, NavEntry};
use super::session::Session;
use crate::error::DomainError;

/// What the layout needs: the menu for the role, the role, and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The screens this role may open.
    pub nav: Vec<&'static NavEntry>,
    /// The role's name.
    pub role: &'static str,
    /// The session's CSRF token (hidden `csrf` field of every form).
    pub csrf: String,
    /// The page title.
    pub title: String,
    /// A message shown at the top (after a redirect), e.g. "Signed off".
    pub notice: Option<String>,
}

impl Chrome {
    /// The frame of a page titled `title` for `session`.
    pub fn new(session: &Session, title: impl Into<String>) -> Chrome {
        Chrome {
            nav: nav::for_role(session.ctx.caller.role),
            role: session.ctx.caller.role.as_str(),
            csrf: session.csrf.clone(),
            title: title.into(),
            notice: None,
        }
    }

    /// With a notice line.
    pub fn notice(mut self, notice: Option<String>) -> Chrome {
        self.notice = notice.filter(|n| !n.is_empty() && n.len() <= 200);
        self
    }
}

/// A rendered HTML page (never cached: it holds PHI).
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// Renders `t` as a 200 page.
pub fn render<T: Template>(t: &T) -> Result<HttpResponse, ConsoleError> {
    let body = t.render().map_err(|e| {
        tracing::error!(error = %e, "console template failed");
        ConsoleError::Api(DomainError::internal())
    })?;
    Ok(html(StatusCode::OK, body))
}

/// 303 to `location` (after a successful post: reloading does not post again).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// Why a console request was not served.
#[derive(Debug)]
pub enum ConsoleError {
    /// No valid session: go to the sign-in page (the reason code is shown there).
    SignIn(&'static str),
    /// A posted form whose CSRF token is missing or wrong.
    Csrf,
    /// A body that is not a form.
    BadForm,
    /// What the API would have answered.
    Api(DomainError),
}

impl From<DomainError> for ConsoleError {
    fn from(e: DomainError) -> Self {
        ConsoleError::Api(e)
    }
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsoleError::SignIn(r) => write!(f, "sign in ({r})"),
            ConsoleError::Csrf => f.write_str("the form's CSRF token is missing or wrong"),
            ConsoleError::BadForm => f.write_str("the form could not be read"),
            ConsoleError::Api(e) => write!(f, "{}", e.detail),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    detail: &'a str,
    errors: &'a [crate::error::FieldError],
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::SignIn(_) => StatusCode::SEE_OTHER,
            ConsoleError::Csrf => StatusCode::FORBIDDEN,
            ConsoleError::BadForm => StatusCode::BAD_REQUEST,
            ConsoleError::Api(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ConsoleError::SignIn(reason) = self {
            let to = if reason.is_empty() {
                "/app/login".to_string()
            } else {
                format!("/app/login?reason={reason}")
            };
            // htmx follows HX-Redirect with a full page load instead of swapping a fragment.
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to.clone()))
                .insert_header(("HX-Redirect", to))
                .finish();
        }
        let (detail, errors) = match self {
            ConsoleError::Api(e) => (e.detail.as_str(), e.errors.as_slice()),
            _ => ("", &[][..]),
        };
        let text = self.to_string();
        let page = ErrorPage {
            status: self.status_code().as_u16(),
            detail: if detail.is_empty() { &text } else { detail },
            errors,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "<!doctype html><title>Error</title><p>Error</p>".into());
        html(self.status_code(), body)
    }
}

/// Money in cents as dollars, for tables.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", c / 100, c % 100)
}

/// Dollars as typed by a person (`25`, `25.5`, `25.50`, `$1,025.00`) in cents; `None` when it
/// is not an amount.
pub fn cents_of(typed: &str) -> Option<i64> {
    let t: String = typed
        .trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, frac) = t.split_once('.').unwrap_or((t.as_str(), ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 12
    {
        return None;
    }
    let dollars: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    dollars.checked_mul(100)?.checked_add(cents)
}

#[cfg(test)]
mod tests {
    #[test]
    fn typed_dollars_become_cents() {
        use super::cents_of;
        assert_eq!(cents_of("25"), Some(2500));
        assert_eq!(cents_of("25.5"), Some(2550));
        assert_eq!(cents_of(" $1,025.07 "), Some(102507));
        assert_eq!(cents_of(".75"), Some(75));
        for bad in ["", ".", "1.234", "-5", "abc", "1e3", "12.x"] {
            assert_eq!(cents_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn dollars_show_cents() {
        assert_eq!(super::dollars(12345), "$123.45");
        assert_eq!(super::dollars(-5), "-$0.05");
    }
}
