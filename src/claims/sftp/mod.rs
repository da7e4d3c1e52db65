//! The `sftp` clearinghouse adapter: uploads each interchange into the clearinghouse's inbound
//! folder (a dot-prefixed temporary name renamed to `<interchange id>.837`, so the receiver
//! never picks up half a file) and collects 999, 277CA and 835 files from its outbound folder
//! into the local inbox, where the worker's usual import applies them.
//!
//! Built on `ssh2` (libssh2): a blocking API that fits the worker thread as it is (russh is
//! async and would need a runtime per worker), and its only native need, OpenSSL, is already
//! linked for libpq. One connection serves a whole batch; a connection that drops is replaced
//! and the operation retried once, after which the worker's backoff takes over.

pub mod args;
pub mod check;
pub mod collect;
pub mod session;
pub mod settings;
pub mod upload;

use std::path::Path;
use std::sync::Mutex;

use super::clearinghouse::{Clearinghouse, Outgoing};
use crate::db::DbPool;
pub use collect::Collected;
use session::{connect, Connection};
pub use settings::SftpSettings;

/// Why a remote operation failed.
#[derive(Debug)]
pub enum Failure {
    /// The connection failed or dropped: worth one retry on a new connection.
    Connection(String),
    /// Anything else (a conflicting remote file, a database error): not retried here.
    Other(String),
}

impl From<ssh2::Error> for Failure {
    fn from(e: ssh2::Error) -> Self {
        Failure::Connection(e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Connection(e.to_string())
    }
}

/// The SFTP clearinghouse: settings and the connection of the batch under way.
pub struct Sftp {
    settings: SftpSettings,
    conn: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for Sftp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Sftp({}@{}:{})",
            self.settings.user, self.settings.host, self.settings.port
        )
    }
}

impl Sftp {
    /// An adapter with `settings` (no connection is opened until needed).
    pub fn new(settings: SftpSettings) -> Self {
        Sftp {
            settings,
            conn: Mutex::new(None),
        }
    }

    /// Its settings.
    pub fn settings(&self) -> &SftpSettings {
        &self.settings
    }

    /// Runs `op` on the open connection (opening one when needed); when the connection fails,
    /// opens a new one and runs `op` once more.
    fn with_conn<T>(&self, op: impl Fn(&Connection) -> Result<T, Failure>) -> Result<T, String> {
        let mut guard = self
            .conn
            .lock()
            .map_err(|_| "the SFTP connection lock is poisoned".to_string())?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if guard.is_none() {
                *guard = Some(connect(&self.settings).map_err(|e| e.to_string())?);
            }
            let Some(c) = guard.as_ref() else {
                continue;
            };
            match op(c) {
                Ok(v) => return Ok(v),
                Err(Failure::Other(e)) => return Err(e),
                Err(Failure::Connection(e)) => {
                    *guard = None;
                    if attempt >= 2 {
                        return Err(format!("SFTP connection failed: {e}"));
                    }
                    tracing::warn!(error = %e, "SFTP connection failed; reconnecting once");
                }
            }
        }
    }

    /// Closes the connection (the next operation opens a new one).
    pub fn close(&self) {
        if let Ok(mut g) = self.conn.lock() {
            *g = None;
        }
    }

    /// Downloads new files of the outbound folder into `inbox`, records them, then deletes,
    /// moves or leaves them remotely as the settings say; closes the connection after.
    pub fn collect(&self, pool: &DbPool, inbox: &Path) -> Result<Collected, String> {
        let r = self.with_conn(|c| collect::collect(c, &self.settings, pool, inbox));
        self.close();
        r
    }
}

impl Clearinghouse for Sftp {
    fn name(&self) -> &'static str {
        "sftp"
    }

    fn send(&self, out: &Outgoing<'_>) -> Result<(), String> {
        let put = self.with_conn(|c| upload::put(&c.sftp, &self.settings.inbound, out))?;
        if put == upload::Put::AlreadyThere {
            tracing::info!(interchange = %out.id, "already in the SFTP inbound folder");
        }
        Ok(())
    }

    fn end_batch(&self) {
        self.close();
    }
}
