//! Server-side request forgery rules for webhook URLs: `https://` only (`http://` only to a
//! loopback host when allowed), no credentials in the URL, and a host that resolves only to
//! public addresses unless a setting allows loopback or private ranges. URLs are checked when
//! an endpoint is saved, again before every batch of deliveries (DNS may change), and once
//! more by the delivery client's resolver ([`CheckingResolver`]) on the very addresses it
//! connects to, so a name that resolves differently between the check and the connection
//! (DNS rebinding) is refused too. Redirects are never followed (`net::client`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

/// What the rules allow beyond public `https://` hosts (`MEDBILL_WEBHOOKS_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// `http://` to loopback hosts, and loopback addresses at all
    /// (`MEDBILL_WEBHOOKS_ALLOW_LOOPBACK_HTTP=1`; development and tests).
    pub allow_loopback_http: bool,
    /// Private and link-local ranges (`MEDBILL_WEBHOOKS_ALLOW_PRIVATE=1`; an integration on the
    /// office network).
    pub allow_private: bool,
}

/// Where a URL points, once parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address literal (without brackets).
    pub host: String,
    /// Port (default for the scheme).
    pub port: u16,
    /// Whether the scheme is https.
    pub https: bool,
}

fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks the form of `url` (scheme, host, no user info) under `policy`.
pub fn parse(url: &str, policy: UrlPolicy) -> Result<Target, String> {
    if url.len() > 2000 {
        return Err("the URL is longer than 2000 characters".into());
    }
    let uri: ureq::http::Uri = url.parse().map_err(|_| "not a URL".to_string())?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err("the URL must start with https://".into()),
    };
    let authority = uri.authority().ok_or("the URL has no host")?;
    if authority.as_str().contains('@') {
        return Err("the URL must not carry a user name or password".into());
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    let loopback_http_ok = policy.allow_loopback_http && is_loopback_name(&host);
    if !https && !loopback_http_ok {
        return Err("the URL must start with https:// (http:// only to loopback, when the server allows it)".into());
    }
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    Ok(Target { host, port, https })
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_private()
        || ip.is_link_local()
        // 100.64.0.0/10 (carrier-grade NAT).
        || (o[0] == 100 && (64..128).contains(&o[1]))
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || ip.octets()[0] == 0
}

/// Why `ip` may not be called under `policy`, if it may not.
pub fn refuse_ip(ip: IpAddr, policy: UrlPolicy) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    };
    let (loopback, private, forbidden) = match ip {
        IpAddr::V4(v4) => (v4.is_loopback(), private_v4(v4), forbidden_v4(v4)),
        IpAddr::V6(v6) => (
            v6.is_loopback(),
            // fc00::/7 unique local, fe80::/10 link-local.
            (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80,
            v6.is_unspecified() || v6.is_multicast() || v6 == Ipv6Addr::UNSPECIFIED,
        ),
    };
    if forbidden {
        Some("an unspecified, broadcast or multicast address")
    } else if loopback && !policy.allow_loopback_http {
        Some("a loopback address")
    } else if private && !policy.allow_private {
        Some("a private or link-local address")
    } else {
        None
    }
}

/// Resolves `t` and checks every address (all must be allowed: an attacker's DNS may mix them).
pub fn check_resolved(t: &Target, policy: UrlPolicy) -> Result<(), String> {
    let addrs: Vec<_> = (t.host.as_str(), t.port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve the host: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err("the host does not resolve".into());
    }
    for a in addrs {
        if let Some(why) = refuse_ip(a.ip(), policy) {
            return Err(format!("the host resolves to {why}, which is not allowed"));
        }
    }
    Ok(())
}

/// A name resolver for the delivery client that refuses addresses `policy` forbids: the
/// addresses it checks are the ones the client then connects to, with no second lookup in
/// between that a DNS server could answer differently.
#[derive(Debug, Default)]
pub struct CheckingResolver {
    policy: UrlPolicy,
    inner: ureq::unversioned::resolver::DefaultResolver,
}

impl CheckingResolver {
    /// A resolver enforcing `policy`.
    pub fn new(policy: UrlPolicy) -> Self {
        CheckingResolver {
            policy,
            inner: Default::default(),
        }
    }
}

impl ureq::unversioned::resolver::Resolver for CheckingResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        for a in addrs.iter() {
            if let Some(why) = refuse_ip(a.ip(), self.policy) {
                return Err(ureq::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("refused: the host resolves to {why}, which is not allowed"),
                )));
            }
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_ranges() {
        let strict = UrlPolicy::default();
        let dev = UrlPolicy {
            allow_loopback_http: true,
            allow_private: false,
        };
        assert!(parse("https://hooks.example.com/x", strict).is_ok());
        assert!(parse("http://hooks.example.com/x", strict).is_err());
        assert!(parse("http://127.0.0.1:9/x", strict).is_err());
        assert!(parse("http://127.0.0.1:9/x", dev).is_ok());
        assert!(parse("http://10.0.0.1/x", dev).is_err());
        assert!(parse("https://user:pw@example.com/", strict).is_err());
        assert!(parse("ftp://example.com/", strict).is_err());
        let ip = |s: &str| {
            s.parse::<IpAddr>()
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        };
        assert!(refuse_ip(ip("127.0.0.1"), strict).is_some());
        assert!(refuse_ip(ip("127.0.0.1"), dev).is_none());
        assert!(refuse_ip(ip("10.1.2.3"), dev).is_some());
        assert!(refuse_ip(ip("169.254.169.254"), dev).is_some());
        assert!(refuse_ip(ip("100.64.0.1"), strict).is_some());
        assert!(refuse_ip(ip("::ffff:192.168.0.1"), strict).is_some());
        assert!(refuse_ip(ip("fd00::1"), strict).is_some());
        assert!(refuse_ip(ip("fe80::1"), strict).is_some());
        assert!(refuse_ip(ip("0.0.0.0"), dev).is_some());
        assert!(refuse_ip(ip("93.184.216.34"), strict).is_none());
        let private = UrlPolicy {
            allow_loopback_http: false,
            allow_private: true,
        };
        assert!(refuse_ip(ip("192.168.1.5"), private).is_none());
    }

    /// The client's own resolution is checked: an agent with the checking resolver does not
    /// connect to a forbidden address even when the URL was never checked before (as after a
    /// DNS answer that changed since the check).
    #[test]
    #[allow(clippy::unwrap_used)]
    fn the_client_refuses_what_it_resolves_to_a_forbidden_address() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut s in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            }
        });
        let settings =
            crate::net::client::ClientSettings::new(std::time::Duration::from_secs(5), None);
        let url = format!("http://localhost:{port}/hooks");
        let strict =
            crate::net::client::agent_with_resolver(&settings, CheckingResolver::default())
                .unwrap();
        let err = strict.post(&url).send("{}").unwrap_err().to_string();
        assert!(err.contains("refused: the host resolves to"), "{err}");
        let dev = CheckingResolver::new(UrlPolicy {
            allow_loopback_http: true,
            allow_private: false,
        });
        let allowed = crate::net::client::agent_with_resolver(&settings, dev).unwrap();
        assert_eq!(allowed.post(&url).send("{}").unwrap().status(), 200);
    }
}
