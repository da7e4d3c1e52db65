//! The `http` clearinghouse adapter: POSTs each interchange to a configured `http://` URL with
//! a bearer token or basic auth, under connect/read/write timeouts. The interchange id goes in
//! `Idempotency-Key` (and `X-Interchange-Id`), so the receiver can treat a re-send after a
//! crash as the same submission. Any 2xx confirms the hand-off.
//!
//! A small HTTP/1.1 client over `std::net::TcpStream`: no maintained client crate (ureq,
//! reqwest) is in the offline registry here. TLS is not supported: put a TLS-terminating
//! proxy on the same host in front of an `https://` clearinghouse.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::clearinghouse::{Clearinghouse, Outgoing};

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
#[derive(Debug, Clone)]
pub struct HttpPost {
    host: String,
    port: u16,
    path: String,
    auth: Auth,
    timeout: Duration,
}

impl HttpPost {
    /// An adapter for `url` (`http://host[:port]/path`).
    pub fn new(url: &str, auth: Auth, timeout: Duration) -> Result<Self, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or("the clearinghouse URL must start with http:// (https needs a local proxy)")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse::<u16>()
                    .map_err(|_| "the clearinghouse URL has a bad port")?,
            ),
            None => (authority.to_string(), 80),
        };
        if host.is_empty() {
            return Err("the clearinghouse URL has no host".into());
        }
        Ok(HttpPost {
            host,
            port,
            path,
            auth,
            timeout,
        })
    }

    fn request(&self, out: &Outgoing<'_>) -> std::io::Result<u16> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::other("the clearinghouse host does not resolve"))?;
        let mut stream = TcpStream::connect_timeout(&addr, self.timeout)?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        let auth = match &self.auth {
            Auth::None => String::new(),
            Auth::Bearer(t) => format!("Authorization: Bearer {t}\r\n"),
            Auth::Basic { user, password } => format!(
                "Authorization: Basic {}\r\n",
                STANDARD.encode(format!("{user}:{password}"))
            ),
        };
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/edi-x12\r\n\
             Content-Length: {}\r\nIdempotency-Key: {}\r\nX-Interchange-Id: {}\r\n\
             X-File-Name: {}\r\n{auth}Connection: close\r\n\r\n",
            self.path,
            self.host,
            self.port,
            out.content.len(),
            out.id,
            out.id,
            out.file_name,
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(out.content.as_bytes())?;
        stream.flush()?;
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line)?;
        // Drain (bounded) so the server sees a clean close.
        let _ = reader.take(64 * 1024).read_to_end(&mut Vec::new());
        status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| std::io::Error::other("the clearinghouse sent no HTTP status"))
    }
}

impl Clearinghouse for HttpPost {
    fn name(&self) -> &'static str {
        "http"
    }

    fn send(&self, out: &Outgoing<'_>) -> Result<(), String> {
        match self.request(out) {
            Ok(s) if (200..300).contains(&s) => Ok(()),
            Ok(s) => Err(format!("the clearinghouse answered HTTP {s}")),
            Err(e) => Err(format!("cannot reach the clearinghouse: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_and_https_refused() {
        let a = HttpPost::new(
            "http://example.test:8081/x/y",
            Auth::None,
            Duration::from_secs(1),
        );
        let a = a.map_err(|e| e.to_string());
        assert!(
            matches!(&a, Ok(h) if h.port == 8081 && h.path == "/x/y" && h.host == "example.test")
        );
        assert!(HttpPost::new("https://x", Auth::None, Duration::from_secs(1)).is_err());
        assert!(HttpPost::new("http://:80/", Auth::None, Duration::from_secs(1)).is_err());
    }
}
