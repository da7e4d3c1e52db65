//! The settings medbill adds to a PostgreSQL URL that leaves them out.
//!
//! - `connect_timeout`: libpq waits forever by default, so a host that drops packets would
//!   hang a checkout instead of failing like one that refuses them.
//! - `sslmode=disable` when every host is this machine (127.0.0.0/8, `::1`, `localhost`):
//!   libpq's default (`prefer`) negotiates TLS whenever the server offers it (Debian's does),
//!   without checking the server's certificate, so on loopback it protects nothing while it
//!   cost a quarter of the database backends' CPU (docs/performance.md, "Session 10"). A URL
//!   or `PGSSLMODE` that names a mode is always followed.

/// Seconds PostgreSQL may take to accept a connection before the attempt fails.
const PG_CONNECT_TIMEOUT_SECS: u32 = 2;

/// `url` with `connect_timeout` and, on loopback, `sslmode` added unless it names them.
pub(super) fn with_defaults(url: &str, sslmode_env: Option<&str>) -> String {
    let mut added = Vec::new();
    if !url.contains("connect_timeout=") {
        added.push(format!("connect_timeout={PG_CONNECT_TIMEOUT_SECS}"));
    }
    if !url.contains("sslmode=") && sslmode_env.is_none() && all_hosts_loopback(url) {
        added.push("sslmode=disable".to_string());
    }
    if added.is_empty() {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", added.join("&"))
}

/// Whether every host the URL names is this machine (a URL naming none uses the Unix socket,
/// where libpq never negotiates TLS, so it needs nothing).
fn all_hosts_loopback(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let hosts = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hosts.is_empty() {
        return false;
    }
    hosts.split(',').all(|host_port| {
        let host = match host_port.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host_port.split(':').next().unwrap_or_default(),
        };
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_get_tls_off_unless_they_name_a_mode() {
        assert_eq!(
            with_defaults("postgres://postgres@127.0.0.1:5432/test", None),
            "postgres://postgres@127.0.0.1:5432/test?connect_timeout=2&sslmode=disable"
        );
        assert_eq!(
            with_defaults("postgresql://u:p@[::1]/db?application_name=x", None),
            "postgresql://u:p@[::1]/db?application_name=x&connect_timeout=2&sslmode=disable"
        );
        assert_eq!(
            with_defaults("postgres://localhost,127.0.0.2:5433/db", None),
            "postgres://localhost,127.0.0.2:5433/db?connect_timeout=2&sslmode=disable"
        );
        assert_eq!(
            with_defaults("postgres://u@127.0.0.1/db?sslmode=require", None),
            "postgres://u@127.0.0.1/db?sslmode=require&connect_timeout=2"
        );
        assert_eq!(
            with_defaults(
                "postgres://u@127.0.0.1/db?connect_timeout=9",
                Some("verify-full")
            ),
            "postgres://u@127.0.0.1/db?connect_timeout=9"
        );
    }

    #[test]
    fn other_hosts_keep_libpq_defaults() {
        for url in [
            "postgres://u@db.example.org/db",
            "postgres://u@10.0.0.5:5432/db",
            "postgres://u@127.0.0.1,db.example.org/db",
            "postgres:///db",
            "postgres://u@%2Fvar%2Frun%2Fpostgresql/db",
        ] {
            assert_eq!(
                with_defaults(url, None),
                format!("{url}?connect_timeout=2"),
                "{url}"
            );
        }
    }
}
