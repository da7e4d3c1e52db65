//! SFTP adapter options (flags and MEDBILL_SFTP_* environment variables), part of the worker
//! options; documented in docs/claims.md.

use std::path::PathBuf;
use std::time::Duration;

use super::settings::{AfterDownload, KnownHost, SftpAuth, SftpSettings};

/// SFTP clearinghouse options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SftpArgs {
    /// SFTP server host name or address.
    #[arg(long, env = "MEDBILL_SFTP_HOST")]
    pub sftp_host: Option<String>,
    /// SFTP server port.
    #[arg(long, env = "MEDBILL_SFTP_PORT", default_value_t = 22)]
    pub sftp_port: u16,
    /// Login name.
    #[arg(long, env = "MEDBILL_SFTP_USER")]
    pub sftp_user: Option<String>,
    /// Private key file (OpenSSH or PEM format).
    #[arg(long, env = "MEDBILL_SFTP_KEY_FILE")]
    pub sftp_key_file: Option<PathBuf>,
    /// Passphrase of the private key, if encrypted.
    #[arg(long, env = "MEDBILL_SFTP_KEY_PASSPHRASE", hide_env_values = true)]
    pub sftp_key_passphrase: Option<String>,
    /// Password (used when no key file is set).
    #[arg(long, env = "MEDBILL_SFTP_PASSWORD", hide_env_values = true)]
    pub sftp_password: Option<String>,
    /// The server's host key: one known-hosts line (as `ssh-keyscan -t ed25519 HOST` prints).
    #[arg(long, env = "MEDBILL_SFTP_KNOWN_HOST")]
    pub sftp_known_host: Option<String>,
    /// Remote folder claims are uploaded to.
    #[arg(long, env = "MEDBILL_SFTP_INBOUND", default_value = "inbound")]
    pub sftp_inbound: String,
    /// Remote folder responses (999, 277CA, 835) are collected from.
    #[arg(long, env = "MEDBILL_SFTP_OUTBOUND", default_value = "outbound")]
    pub sftp_outbound: String,
    /// Seconds between collections from the outbound folder.
    #[arg(long, env = "MEDBILL_SFTP_POLL_SECS", default_value_t = 300)]
    pub sftp_poll_secs: u64,
    /// After a file is collected: delete, move or leave.
    #[arg(long, env = "MEDBILL_SFTP_AFTER_DOWNLOAD", default_value = "delete")]
    pub sftp_after_download: String,
    /// Remote folder collected files are moved to (with `move`).
    #[arg(long, env = "MEDBILL_SFTP_MOVE_TO")]
    pub sftp_move_to: Option<String>,
}

impl SftpArgs {
    /// The settings these options describe, with `timeout` per connection and operation.
    pub fn settings(&self, timeout: Duration) -> Result<SftpSettings, String> {
        let host = self
            .sftp_host
            .clone()
            .filter(|h| !h.trim().is_empty())
            .ok_or("the sftp adapter needs MEDBILL_SFTP_HOST")?;
        let user = self
            .sftp_user
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or("the sftp adapter needs MEDBILL_SFTP_USER")?;
        let auth = match (&self.sftp_key_file, &self.sftp_password) {
            (Some(file), _) => SftpAuth::Key {
                file: file.clone(),
                passphrase: self.sftp_key_passphrase.clone(),
            },
            (None, Some(p)) => SftpAuth::Password(p.clone()),
            (None, None) => {
                return Err(
                    "the sftp adapter needs MEDBILL_SFTP_KEY_FILE or MEDBILL_SFTP_PASSWORD".into(),
                )
            }
        };
        let line = self.sftp_known_host.as_deref().ok_or(
            "the sftp adapter needs MEDBILL_SFTP_KNOWN_HOST (the server's host key, as \
             `ssh-keyscan -t ed25519 HOST` prints it): it never connects to an unknown key",
        )?;
        let known_host =
            KnownHost::parse(line).map_err(|e| format!("MEDBILL_SFTP_KNOWN_HOST: {e}"))?;
        let after_download = match self.sftp_after_download.trim() {
            "delete" => AfterDownload::Delete,
            "leave" => AfterDownload::Leave,
            "move" => AfterDownload::Move(
                self.sftp_move_to
                    .clone()
                    .filter(|d| !d.trim().is_empty())
                    .ok_or("MEDBILL_SFTP_AFTER_DOWNLOAD=move needs MEDBILL_SFTP_MOVE_TO")?,
            ),
            other => {
                return Err(format!(
                    "MEDBILL_SFTP_AFTER_DOWNLOAD {other}: use delete, move or leave"
                ))
            }
        };
        Ok(SftpSettings {
            host,
            port: self.sftp_port,
            user,
            auth,
            known_host,
            inbound: self.sftp_inbound.clone(),
            outbound: self.sftp_outbound.clone(),
            timeout,
            poll: Duration::from_secs(self.sftp_poll_secs.max(1)),
            after_download,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str =
        "h ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    fn args() -> SftpArgs {
        SftpArgs {
            sftp_host: Some("sftp.example.test".into()),
            sftp_port: 22,
            sftp_user: Some("office".into()),
            sftp_key_file: Some("/k".into()),
            sftp_known_host: Some(LINE.into()),
            sftp_inbound: "in".into(),
            sftp_outbound: "out".into(),
            sftp_poll_secs: 60,
            sftp_after_download: "delete".into(),
            ..SftpArgs::default()
        }
    }

    fn err(a: SftpArgs) -> String {
        a.settings(Duration::from_secs(1)).err().unwrap_or_default()
    }

    #[test]
    fn settings_are_checked() {
        let s = args().settings(Duration::from_secs(3));
        assert!(
            matches!(&s, Ok(s) if s.after_download == AfterDownload::Delete
            && s.poll == Duration::from_secs(60) && s.timeout == Duration::from_secs(3))
        );
        let mut a = args();
        a.sftp_known_host = None;
        assert!(err(a).contains("MEDBILL_SFTP_KNOWN_HOST"));
        let mut a = args();
        a.sftp_key_file = None;
        assert!(err(a).contains("MEDBILL_SFTP_PASSWORD"));
        a = args();
        a.sftp_key_file = None;
        a.sftp_password = Some("pw".into());
        assert!(matches!(a.settings(Duration::from_secs(1)).map(|s| s.auth),
            Ok(SftpAuth::Password(p)) if p == "pw"));
        let mut a = args();
        a.sftp_after_download = "move".into();
        assert!(err(a.clone()).contains("MEDBILL_SFTP_MOVE_TO"));
        a.sftp_move_to = Some("/archive".into());
        assert!(
            matches!(a.settings(Duration::from_secs(1)).map(|s| s.after_download),
            Ok(AfterDownload::Move(d)) if d == "/archive")
        );
        let mut a = args();
        a.sftp_after_download = "shred".into();
        assert!(err(a).contains("delete, move or leave"));
        let mut a = args();
        a.sftp_host = Some(" ".into());
        assert!(err(a).contains("MEDBILL_SFTP_HOST"));
    }
}
