//! Loopback webhook receivers for the event tests: plain HTTP or HTTPS (a generated test CA),
//! each answering by a rule (a status, or hanging), recording every request.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the receiver answers the n-th request (0-based).
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// This status, with a short body.
    Status(u16),
    /// Never answer (until the client gives up).
    Hang,
    /// This status after a pause of this many milliseconds.
    Delayed(u16, u64),
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A running receiver.
pub struct Receiver {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }
}

type Rule = Arc<dyn Fn(usize) -> Answer + Send + Sync>;

fn serve<S: Read + Write>(stream: S, seen: &Arc<Mutex<Vec<Received>>>, rule: &Rule) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let n = {
            let mut s = seen.lock().unwrap();
            s.push(Received { headers, body });
            s.len() - 1
        };
        let answer = match rule(n) {
            Answer::Delayed(code, ms) => {
                std::thread::sleep(Duration::from_millis(ms));
                Answer::Status(code)
            }
            other => other,
        };
        match answer {
            Answer::Delayed(..) => {}
            Answer::Status(code) => {
                let out = reader.get_mut();
                let msg = format!("HTTP/1.1 {code} X\r\nContent-Length: 8\r\n\r\nanswered");
                if out
                    .write_all(msg.as_bytes())
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    return;
                }
            }
            Answer::Hang => {
                std::thread::sleep(Duration::from_secs(20));
                return;
            }
        }
    }
}

/// A plain-HTTP receiver on 127.0.0.1.
pub fn start(rule: impl Fn(usize) -> Answer + Send + Sync + 'static) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rule: Rule = Arc::new(rule);
    let s = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (s, rule) = (s.clone(), rule.clone());
            std::thread::spawn(move || serve(stream, &s, &rule));
        }
    });
    Receiver { url, seen }
}

/// A test CA and a server certificate for 127.0.0.1 and localhost signed by it.
pub struct TestCa {
    /// The CA certificate, PEM (what clients trust).
    pub ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

/// Makes a test CA and a rustls server configuration with a certificate it signed.
pub fn test_ca() -> TestCa {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "medbill test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let cert = params.signed_by(&key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    TestCa {
        ca_pem: ca.pem(),
        server: Arc::new(server),
    }
}

/// An HTTPS receiver on 127.0.0.1 with a certificate from `ca`.
pub fn start_tls(ca: &TestCa, rule: impl Fn(usize) -> Answer + Send + Sync + 'static) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/hooks", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rule: Rule = Arc::new(rule);
    let s = seen.clone();
    let config = ca.server.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (s, rule, config) = (s.clone(), rule.clone(), config.clone());
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let tls = rustls::StreamOwned::new(conn, stream);
                serve(tls, &s, &rule);
            });
        }
    });
    Receiver { url, seen }
}

/// Verifies a request's signature with the Standard Webhooks reference implementation (PyPI
/// `standardwebhooks`, in the virtualenv named by MEDBILL_WEBHOOKS_PYTHON or
/// target/webhooks-venv). Returns false when the library is not installed (then the caller
/// skips, outside CI).
pub fn verify_with_reference(secret: &str, r: &Received) -> Option<bool> {
    let python = std::env::var("MEDBILL_WEBHOOKS_PYTHON").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/webhooks-venv/bin/python"
        )
        .to_string()
    });
    if !std::path::Path::new(&python).exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must provide the standardwebhooks virtualenv"
        );
        eprintln!("skipped: no standardwebhooks virtualenv at {python}");
        return None;
    }
    let script = "import sys, json\n\
        from standardwebhooks.webhooks import Webhook\n\
        secret, wid, ts, sig = sys.argv[1:5]\n\
        body = sys.stdin.buffer.read()\n\
        Webhook(secret).verify(body, {'webhook-id': wid, 'webhook-timestamp': ts, 'webhook-signature': sig})\n\
        print('verified')\n";
    let mut child = std::process::Command::new(python)
        .args([
            "-c",
            script,
            secret,
            r.header("webhook-id"),
            r.header("webhook-timestamp"),
            r.header("webhook-signature"),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&r.body).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    }
    Some(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("verified"))
}
