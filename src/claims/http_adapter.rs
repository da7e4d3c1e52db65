//! The `http` clearinghouse adapter: POSTs each interchange to a configured `https://` (or
//! `http://`) URL with a bearer token or basic auth, through the shared client
//! (`net::client`: rustls with verification on, timeouts, no redirects, kept-alive
//! connections). The interchange id goes in `Idempotency-Key` (and `X-Interchange-Id`), so the
//! receiver can treat a re-send after a crash as the same submission. Any 2xx confirms the
//! hand-off.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::time::Duration;

use super::clearinghouse::{Clearinghouse, Outgoing};
use crate::net::client::{self, ClientSettings};

/// How the adapter authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No Authorization header.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// User name.
        user: String,
        /// Password.
        password: String,
    },
}

/// POSTs interchanges to a URL.
pub struct HttpPost {
    url: String,
    auth: Auth,
    agent: ureq::Agent,
}

impl std::fmt::Debug for HttpPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPost").field("url", &self.url).finish()
    }
}

impl HttpPost {
    /// An adapter for `url` (`https://host[:port]/path`, or `http://`) with `timeout` for each
    /// call, trusting the bundled Mozilla roots only.
    pub fn new(url: &str, auth: Auth, timeout: Duration) -> Result<Self, String> {
        Self::with_settings(url, auth, &ClientSettings::new(timeout, None))
    }

    /// [`HttpPost::new`] with explicit client settings (the configured CA file, a test CA).
    pub fn with_settings(url: &str, auth: Auth, settings: &ClientSettings) -> Result<Self, String> {
        let uri: ureq::http::Uri = url
            .parse()
            .map_err(|_| "the clearinghouse URL is not a URL".to_string())?;
        match uri.scheme_str() {
            Some("https") | Some("http") => {}
            _ => return Err("the clearinghouse URL must start with https:// or http://".into()),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err("the clearinghouse URL has no host".into());
        }
        Ok(HttpPost {
            url: url.to_string(),
            auth,
            agent: client::agent(settings)?,
        })
    }
}

impl Clearinghouse for HttpPost {
    fn name(&self) -> &'static str {
        "http"
    }

    fn send(&self, out: &Outgoing<'_>) -> Result<(), String> {
        let id = out.id.to_string();
        let mut req = self
            .agent
            .post(&self.url)
            .header("content-type", "application/edi-x12")
            .header("idempotency-key", &id)
            .header("x-interchange-id", &id)
            .header("x-file-name", out.file_name);
        req = match &self.auth {
            Auth::None => req,
            Auth::Bearer(t) => req.header("authorization", format!("Bearer {t}")),
            Auth::Basic { user, password } => req.header(
                "authorization",
                format!("Basic {}", STANDARD.encode(format!("{user}:{password}"))),
            ),
        };
        match req.send(out.content.as_bytes()) {
            Ok(mut resp) => {
                // Read the (bounded) answer so the connection goes back to the pool.
                let _ = client::excerpt(resp.body_mut(), 0);
                let s = resp.status().as_u16();
                if (200..300).contains(&s) {
                    Ok(())
                } else {
                    Err(format!("the clearinghouse answered HTTP {s}"))
                }
            }
            Err(e) => Err(format!("cannot reach the clearinghouse: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        let t = Duration::from_secs(1);
        assert!(HttpPost::new("http://example.test:8081/x/y", Auth::None, t).is_ok());
        assert!(HttpPost::new("https://example.test/x", Auth::None, t).is_ok());
        assert!(HttpPost::new("ftp://example.test/x", Auth::None, t).is_err());
        assert!(HttpPost::new("http://:80/", Auth::None, t).is_err());
    }
}
