//! SFTP adapter settings: where the clearinghouse is, how medbill logs in, the server's pinned
//! host key (one known-hosts line), the remote folders and what happens to collected files.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;

/// How medbill authenticates.
#[derive(Clone, PartialEq, Eq)]
pub enum SftpAuth {
    /// A private key file (OpenSSH or PEM format) with an optional passphrase.
    Key {
        /// The private key file.
        file: PathBuf,
        /// Its passphrase, if it is encrypted.
        passphrase: Option<String>,
    },
    /// A password.
    Password(String),
}

// Secrets never reach logs or debug output.
impl std::fmt::Debug for SftpAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SftpAuth::Key { file, .. } => write!(f, "Key({})", file.display()),
            SftpAuth::Password(_) => f.write_str("Password(..)"),
        }
    }
}

/// What happens to a remote file once it is stored and recorded locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterDownload {
    /// Remove it from the outbound folder.
    Delete,
    /// Move it into this remote folder.
    Move(String),
    /// Leave it (it is recorded, so it is not applied again).
    Leave,
}

/// The server's host key as pinned in the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHost {
    /// The key type (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ...).
    pub key_type: String,
    /// The public key blob.
    pub key: Vec<u8>,
}

const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
];

impl KnownHost {
    /// Reads a known-hosts line (`host key-type base64 [comment]`, as `ssh-keyscan` prints it)
    /// or just `key-type base64`. Markers (`@cert-authority`, `@revoked`) are refused.
    pub fn parse(line: &str) -> Result<Self, String> {
        let line = line.trim();
        if line.starts_with('@') {
            return Err("the known-hosts line must pin a plain host key (no @ marker)".into());
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words
            .iter()
            .position(|w| KEY_TYPES.contains(w))
            .ok_or("the known-hosts line names no supported key type (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa)")?;
        let blob = words
            .get(at + 1)
            .ok_or("the known-hosts line has no key after its key type")?;
        let key = STANDARD
            .decode(blob)
            .map_err(|_| "the known-hosts line's key is not base64")?;
        // The blob starts with its own type name: a line whose type word lies is refused.
        let declared = key
            .get(4..)
            .and_then(|rest| rest.get(..words[at].len()))
            .is_some_and(|t| t == words[at].as_bytes());
        if !declared {
            return Err("the known-hosts line's key does not match its key type".into());
        }
        Ok(KnownHost {
            key_type: words[at].to_string(),
            key,
        })
    }

    /// The libssh2 host-key algorithm preference that makes the server show this key.
    pub fn algorithms(&self) -> &str {
        if self.key_type == "ssh-rsa" {
            "rsa-sha2-512,rsa-sha2-256,ssh-rsa"
        } else {
            &self.key_type
        }
    }
}

/// `SHA256:...` fingerprint of a key blob, as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(key)))
}

/// Everything the adapter needs.
#[derive(Debug, Clone)]
pub struct SftpSettings {
    /// Host name or address.
    pub host: String,
    /// Port (22).
    pub port: u16,
    /// Login name.
    pub user: String,
    /// Key or password.
    pub auth: SftpAuth,
    /// The pinned host key.
    pub known_host: KnownHost,
    /// Remote folder claims are uploaded to.
    pub inbound: String,
    /// Remote folder responses are collected from.
    pub outbound: String,
    /// Connect and per-operation timeout.
    pub timeout: Duration,
    /// How often the worker collects responses.
    pub poll: Duration,
    /// What happens to collected files remotely.
    pub after_download: AfterDownload,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    #[test]
    fn known_host_lines_are_read_and_checked() {
        let k = KnownHost::parse(&format!("[sftp.example.com]:2222 ssh-ed25519 {ED} comment"));
        let k = k.map_err(|e| e.to_string());
        assert!(matches!(&k, Ok(k) if k.key_type == "ssh-ed25519" && k.key.len() == 51));
        assert!(KnownHost::parse(&format!("ssh-ed25519 {ED}")).is_ok());
        assert!(
            KnownHost::parse(&format!("h ssh-rsa {ED}")).is_err(),
            "type lies"
        );
        assert!(KnownHost::parse(&format!("@revoked h ssh-ed25519 {ED}")).is_err());
        assert!(KnownHost::parse("h ssh-ed25519 !!!").is_err());
        assert!(KnownHost::parse("h ssh-dss AAAA").is_err());
        assert!(fingerprint(b"x").starts_with("SHA256:"));
    }
}
