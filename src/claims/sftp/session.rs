//! Opening an SFTP session: TCP connect under a timeout, SSH handshake offering only the
//! pinned host key's algorithm, the host key compared with the pinned one before any
//! credential is sent, then key or password authentication and the SFTP subsystem. Each
//! failure names the step it happened at, for `medbill clearinghouse check`.

use std::net::{TcpStream, ToSocketAddrs};

use super::settings::{fingerprint, SftpAuth, SftpSettings};

/// The steps of a connection, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// TCP connection to host:port.
    Connect,
    /// SSH handshake and the host key check.
    HostKey,
    /// Login.
    Authenticate,
    /// The SFTP subsystem.
    Subsystem,
}

impl Step {
    /// All steps, in order.
    pub const ALL: [Step; 4] = [
        Step::Connect,
        Step::HostKey,
        Step::Authenticate,
        Step::Subsystem,
    ];

    /// A short name for reports.
    pub fn label(self) -> &'static str {
        match self {
            Step::Connect => "connect",
            Step::HostKey => "host key",
            Step::Authenticate => "authenticate",
            Step::Subsystem => "sftp",
        }
    }
}

/// A failed connection: the step and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    /// Where it failed.
    pub step: Step,
    /// Why (no secrets).
    pub message: String,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.step.label(), self.message)
    }
}

/// An open SFTP session (the SSH session is kept alive alongside).
pub struct Connection {
    /// The SFTP channel.
    pub sftp: ssh2::Sftp,
    session: ssh2::Session,
}

impl Drop for Connection {
    fn drop(&mut self) {
        // A polite goodbye; the socket closes either way.
        let _ = self.session.disconnect(None, "bye", None);
    }
}

fn fail(step: Step, message: impl Into<String>) -> ConnectError {
    ConnectError {
        step,
        message: message.into(),
    }
}

/// Connects, checks the host key and logs in.
pub fn connect(s: &SftpSettings) -> Result<Connection, ConnectError> {
    let target = format!("{}:{}", s.host, s.port);
    let addrs: Vec<_> = (s.host.as_str(), s.port)
        .to_socket_addrs()
        .map_err(|e| fail(Step::Connect, format!("{target} does not resolve: {e}")))?
        .collect();
    let mut last = format!("{target} does not resolve");
    let mut tcp = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, s.timeout) {
            Ok(t) => {
                tcp = Some(t);
                break;
            }
            Err(e) => last = format!("cannot connect to {target}: {e}"),
        }
    }
    let tcp = tcp.ok_or_else(|| fail(Step::Connect, last))?;
    let mut session =
        ssh2::Session::new().map_err(|e| fail(Step::Connect, format!("ssh session: {e}")))?;
    session.set_tcp_stream(tcp);
    session.set_timeout(u32::try_from(s.timeout.as_millis()).unwrap_or(u32::MAX));
    // Offer only the pinned key's algorithm, so a server with several host keys shows the one
    // we know rather than failing the comparison.
    session
        .method_pref(ssh2::MethodType::HostKey, s.known_host.algorithms())
        .map_err(|e| fail(Step::HostKey, format!("host key algorithms: {e}")))?;
    session
        .handshake()
        .map_err(|e| fail(Step::HostKey, format!("SSH handshake with {target}: {e}")))?;
    let (shown, _) = session
        .host_key()
        .ok_or_else(|| fail(Step::HostKey, "the server showed no host key"))?;
    if shown != s.known_host.key.as_slice() {
        return Err(fail(
            Step::HostKey,
            format!(
                "the server's host key {} does not match the pinned key {} \
                 (MEDBILL_SFTP_KNOWN_HOST): refusing to connect; if the clearinghouse changed \
                 its key, confirm the new fingerprint with them and update the setting",
                fingerprint(shown),
                fingerprint(&s.known_host.key)
            ),
        ));
    }
    let auth = match &s.auth {
        SftpAuth::Key { file, passphrase } => {
            session.userauth_pubkey_file(&s.user, None, file, passphrase.as_deref())
        }
        SftpAuth::Password(p) => session.userauth_password(&s.user, p),
    };
    auth.map_err(|e| fail(Step::Authenticate, format!("as {}: {e}", s.user)))?;
    if !session.authenticated() {
        return Err(fail(Step::Authenticate, format!("as {}: refused", s.user)));
    }
    let sftp = session
        .sftp()
        .map_err(|e| fail(Step::Subsystem, format!("the SFTP subsystem: {e}")))?;
    Ok(Connection { sftp, session })
}
