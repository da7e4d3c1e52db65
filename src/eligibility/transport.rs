//! How 270s reach the clearinghouse: in real time over HTTP(S) (the `http` clearinghouse
//! adapter's settings; ureq 3 with rustls, synchronous, one timeout for the whole exchange),
//! or through the file queue (the `filedrop` adapter: `<check id>.270` written atomically into
//! the outbox, the 271 imported later).
//!
//! The HTTP client is the shared one (`net::client`: rustls with the bundled or configured
//! roots, no redirects, kept-alive connections), built once per transport.

use std::path::PathBuf;
use std::time::Duration;

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

    /// The channel the clearinghouse settings describe: MEDBILL_CLEARINGHOUSE `http` with
    /// MEDBILL_ELIGIBILITY_URL (else MEDBILL_CLEARINGHOUSE_URL), MEDBILL_CLEARINGHOUSE_TOKEN or
    /// MEDBILL_CLEARINGHOUSE_USER/PASSWORD, and MEDBILL_ELIGIBILITY_TIMEOUT_SECS (default 20);
    /// otherwise the file queue in MEDBILL_OUTBOX_DIR (default `<data dir>/outbox`).
    pub fn from_env(data_dir: &std::path::Path) -> Result<Channel, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if var("MEDBILL_CLEARINGHOUSE").as_deref() == Some("http") {
            let url = var("MEDBILL_ELIGIBILITY_URL")
                .or_else(|| var("MEDBILL_CLEARINGHOUSE_URL"))
                .ok_or("the http clearinghouse needs MEDBILL_ELIGIBILITY_URL or MEDBILL_CLEARINGHOUSE_URL")?;
            let auth = match (
                var("MEDBILL_CLEARINGHOUSE_TOKEN"),
                var("MEDBILL_CLEARINGHOUSE_USER"),
                var("MEDBILL_CLEARINGHOUSE_PASSWORD"),
            ) {
                (Some(t), _, _) => Some(format!("Bearer {t}")),
                (None, Some(u), Some(p)) => {
                    use base64::Engine;
                    let b = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
                    Some(format!("Basic {b}"))
                }
                _ => None,
            };
            let secs = match var("MEDBILL_ELIGIBILITY_TIMEOUT_SECS") {
                Some(s) => s
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| "MEDBILL_ELIGIBILITY_TIMEOUT_SECS must be a number of seconds")?,
                None => 20,
            };
            return Ok(Channel::Http(HttpTransport::new(
                &url,
                auth,
                Duration::from_secs(secs.max(1)),
            )?));
        }
        let outbox = var("MEDBILL_OUTBOX_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("outbox"));
        Ok(Channel::FileQueue(outbox))
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
    /// header value, giving up after `timeout` for the whole exchange.
    pub fn new(
        url: &str,
        authorization: Option<String>,
        timeout: Duration,
    ) -> Result<HttpTransport, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err("the eligibility URL must start with http:// or https://".into());
        }
        let agent =
            crate::net::client::agent(&crate::net::client::ClientSettings::with_timeout(timeout))?;
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
