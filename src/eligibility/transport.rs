//! How 270s reach the clearinghouse: in real time over HTTP(S) (the `http` clearinghouse
//! adapter's settings; ureq 3 with rustls, synchronous, one timeout for the whole exchange),
//! or through the file queue (the `filedrop` adapter: `<check id>.270` written atomically into
//! the outbox, the 271 imported later).
//!
//! The HTTP client is the shared one (`net::client`: rustls with the bundled or configured
//! roots, no redirects, kept-alive connections), built once per transport.

use std::path::PathBuf;
use std::time::Duration;

use crate::net::client::ClientSettings;

/// Where eligibility inquiries go.
#[derive(Debug, Clone)]
pub enum Channel {
    /// Synchronous HTTP POST of the 270; the body of a 2xx answer is the 271.
    Http(HttpTransport),
    /// The 270 goes into this outbox folder; the check waits for its 271.
    FileQueue(PathBuf),
}

impl Channel {
    /// `http` or `filedrop`, as stored on each check.
    pub fn name(&self) -> &'static str {
        match self {
            Channel::Http(_) => "http",
            Channel::FileQueue(_) => "filedrop",
        }
    }
}

/// A real-time 270/271 exchange over HTTP(S).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    url: String,
    authorization: Option<String>,
    agent: ureq::Agent,
}

/// Why a real-time exchange gave no 271.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// No answer within the timeout.
    Timeout,
    /// The clearinghouse answered with a non-2xx status.
    Status(u16),
    /// Connection or protocol failure.
    Unreachable(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Timeout => write!(f, "the clearinghouse did not answer in time"),
            SendError::Status(s) => write!(f, "the clearinghouse answered HTTP {s}"),
            SendError::Unreachable(e) => write!(f, "cannot reach the clearinghouse: {e}"),
        }
    }
}

/// The largest 271 accepted (a 271 for one patient is a few kilobytes).
const MAX_RESPONSE_BYTES: u64 = 1 << 20;

impl HttpTransport {
    /// A transport posting to `url` (`http://` or `https://`) with an optional Authorization
    /// header value, giving up after `timeout` for the whole exchange; trusts the bundled
    /// roots only.
    pub fn new(
        url: &str,
        authorization: Option<String>,
        timeout: Duration,
    ) -> Result<HttpTransport, String> {
        Self::with_settings(url, authorization, &ClientSettings::new(timeout, None))
    }

    /// [`HttpTransport::new`] with explicit client settings (the timeout and a CA file).
    pub fn with_settings(
        url: &str,
        authorization: Option<String>,
        settings: &ClientSettings,
    ) -> Result<HttpTransport, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err("the eligibility URL must start with http:// or https://".into());
        }
        let agent = crate::net::client::agent(settings)?;
        Ok(HttpTransport {
            url: url.to_string(),
            authorization,
            agent,
        })
    }

    /// POSTs the 270 (under `id` as Idempotency-Key) and returns the 271 text.
    pub fn exchange(&self, id: &str, x12: &str) -> Result<String, SendError> {
        let mut req = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/edi-x12")
            .header("Idempotency-Key", id);
        if let Some(a) = &self.authorization {
            req = req.header("Authorization", a);
        }
        let mut resp = req.send(x12).map_err(classify)?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(SendError::Status(status));
        }
        resp.body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .map_err(classify)
    }
}

fn classify(e: ureq::Error) -> SendError {
    match e {
        ureq::Error::Timeout(_) => SendError::Timeout,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => SendError::Timeout,
        other => SendError::Unreachable(other.to_string()),
    }
}
