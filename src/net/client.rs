//! The one way to build an outbound HTTP client: ureq 3 over rustls (certificate verification
//! always on), connection reuse (the agent keeps idle connections), timeouts, and no
//! redirects (a redirect could point a request at a host we never checked). Trusted roots are
//! the bundled Mozilla roots, plus the certificates of a PEM bundle when the settings name one
//! (`MEDBILL_HTTP_CA_FILE`, read by `config`: a private CA of a clearinghouse or an
//! integration partner; tests use a generated one): the file adds to the public roots, it
//! does not replace them.

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
    /// A PEM file of CA certificates trusted besides the bundled Mozilla roots.
    pub ca_file: Option<PathBuf>,
}

impl Default for ClientSettings {
    /// 5 s to connect, 30 s for the call, the bundled roots only.
    fn default() -> Self {
        ClientSettings::new(Duration::from_secs(30), None)
    }
}

impl ClientSettings {
    /// `timeout` for the whole call (at most 5 s of it to connect), trusting `ca_file`'s CAs
    /// besides the bundled roots.
    pub fn new(timeout: Duration, ca_file: Option<PathBuf>) -> Self {
        ClientSettings {
            connect_timeout: timeout.min(Duration::from_secs(5)),
            timeout,
            ca_file,
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

/// The trusted roots for `settings`: the bundled Mozilla roots, and with a CA file those same
/// roots (as whole certificates, the form ureq takes in a list) followed by the file's.
pub fn root_certs(settings: &ClientSettings) -> Result<RootCerts, String> {
    let Some(path) = &settings.ca_file else {
        return Ok(RootCerts::WebPki);
    };
    let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()))
        .collect();
    roots.extend(read_ca_file(path)?);
    Ok(RootCerts::from(roots))
}

fn config(settings: &ClientSettings) -> Result<ureq::config::Config, String> {
    let roots = root_certs(settings)?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A PEM file holding one generated CA certificate; returns its path and DER.
    fn ca_file() -> (PathBuf, Vec<u8>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "medbill unit test CA");
        let ca = params.self_signed(&key).unwrap();
        let path =
            std::env::temp_dir().join(format!("medbill-unit-ca-{}.pem", uuid::Uuid::new_v4()));
        std::fs::write(&path, ca.pem()).unwrap();
        (path, ca.der().to_vec())
    }

    fn settings(ca_file: Option<PathBuf>) -> ClientSettings {
        ClientSettings {
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            ca_file,
        }
    }

    /// Without a CA file the client trusts ureq's bundled Mozilla roots.
    #[test]
    fn without_a_file_the_mozilla_roots() {
        assert!(matches!(
            root_certs(&settings(None)).unwrap(),
            RootCerts::WebPki
        ));
    }

    /// A CA file adds its certificate to the Mozilla roots: every public root is still
    /// trusted (checked on the configured list, no network needed), and the file's CA too.
    #[test]
    fn a_ca_file_adds_to_the_mozilla_roots() {
        let (path, der) = ca_file();
        let roots = root_certs(&settings(Some(path.clone())));
        // An agent builds from it (rustls accepts every certificate of the list).
        let built = agent(&settings(Some(path.clone())));
        std::fs::remove_file(&path).unwrap();
        built.unwrap();
        let RootCerts::Specific(list) = roots.unwrap() else {
            panic!("a CA file gives a specific list");
        };
        let list: Vec<&[u8]> = list.iter().map(|c| c.der()).collect();
        let public = webpki_root_certs::TLS_SERVER_ROOT_CERTS;
        assert!(public.len() > 100, "{}", public.len());
        assert_eq!(list.len(), public.len() + 1);
        for root in public {
            assert!(list.contains(&root.as_ref()));
        }
        assert!(list.contains(&der.as_slice()));
    }

    /// A file without certificates, or missing, is refused when the client is built (not
    /// silently ignored, which would leave the private CA untrusted).
    #[test]
    fn an_unusable_file_is_refused() {
        let empty =
            std::env::temp_dir().join(format!("medbill-empty-{}.pem", uuid::Uuid::new_v4()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = root_certs(&settings(Some(empty.clone()))).unwrap_err();
        std::fs::remove_file(&empty).unwrap();
        assert!(err.contains("no certificate"), "{err}");
        let missing = std::env::temp_dir().join("medbill-no-such-ca.pem");
        assert!(root_certs(&settings(Some(missing)))
            .unwrap_err()
            .contains("cannot read"));
    }
}
