//! The one way to build an outbound HTTP client: ureq 3 over rustls (certificate verification
//! always on), connection reuse (the agent keeps idle connections), timeouts, and no
//! redirects (a redirect could point a request at a host we never checked). Trusted roots are
//! the bundled Mozilla roots, or the PEM bundle in `MEDBILL_HTTP_CA_FILE` in their place (a
//! private CA of a clearinghouse or an integration partner; tests use a generated one).

use std::path::{Path, PathBuf};
use std::time::Duration;

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::Agent;

/// How the client connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// Time to connect (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time for the whole call (connect, send, the answer's head and body).
    pub timeout: Duration,
    /// A PEM file of CA certificates trusted instead of the bundled Mozilla roots.
    pub ca_file: Option<PathBuf>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            ca_file: std::env::var_os("MEDBILL_HTTP_CA_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

impl ClientSettings {
    /// Default settings with `timeout` for the whole call.
    pub fn with_timeout(timeout: Duration) -> Self {
        ClientSettings {
            connect_timeout: timeout.min(Duration::from_secs(5)),
            timeout,
            ..ClientSettings::default()
        }
    }
}

/// Reads the CA certificates of a PEM file.
pub fn read_ca_file(path: &Path) -> Result<Vec<Certificate<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{} is not a PEM certificate file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no certificate", path.display()));
    }
    Ok(certs)
}

/// Builds an agent for `settings`. Non-2xx answers are returned as responses (not errors), so
/// callers see and record the status.
pub fn agent(settings: &ClientSettings) -> Result<Agent, String> {
    Ok(config(settings)?.into())
}

/// [`agent`] whose host names are resolved by `resolver` (webhooks: one that refuses
/// forbidden addresses at the moment of connecting).
pub fn agent_with_resolver(
    settings: &ClientSettings,
    resolver: impl ureq::unversioned::resolver::Resolver,
) -> Result<Agent, String> {
    Ok(Agent::with_parts(
        config(settings)?,
        ureq::unversioned::transport::DefaultConnector::default(),
        resolver,
    ))
}

fn config(settings: &ClientSettings) -> Result<ureq::config::Config, String> {
    let roots = match &settings.ca_file {
        Some(path) => RootCerts::new_with_certs(&read_ca_file(path)?),
        None => RootCerts::WebPki,
    };
    let config = Agent::config_builder()
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.timeout))
        .max_redirects(0)
        // Room for every parallel webhook sender to keep its connection to one endpoint
        // (ureq keeps 3 per host by default: a fourth sender would reconnect each time).
        .max_idle_connections(64)
        .max_idle_connections_per_host(16)
        .http_status_as_error(false)
        .user_agent(concat!("medbill/", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(config)
}

/// Reads a response body (up to 64 KiB, so the connection can be reused) and keeps its first
/// `max` characters as text, for excerpts in attempt records.
pub fn excerpt(body: &mut ureq::Body, max: usize) -> String {
    use std::io::Read;
    let mut buf = Vec::new();
    let _ = body.as_reader().take(64 * 1024).read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).chars().take(max).collect()
}
