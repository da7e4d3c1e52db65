//! What ties the audit chain to something outside the database: a key (HMAC) that the
//! database does not hold, and signed checkpoints of the chain's head kept in a file.
//!
//! With a key, each link is `k1:` + HMAC-SHA256(key, previous hash, row), so someone who can
//! write to the database but does not hold the key cannot recompute the chain after editing
//! rows. Links sealed before the key existed keep their plain SHA-256 hashes and still verify;
//! a plain link after a keyed one is reported (a downgrade). Checkpoints (seq, hash, time,
//! HMAC) appended to a file outside the database let `verify` notice rows cut from the head.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Prefix of keyed link hashes (key epoch 1).
pub const KEYED_PREFIX: &str = "k1:";

/// The audit key and where checkpoints go; [`Anchor::none`] keeps the unkeyed chain.
#[derive(Debug, Clone, Default)]
pub struct Anchor {
    /// HMAC key held outside the database (MEDBILL_AUDIT_KEY or a file in the data dir).
    pub key: Option<Vec<u8>>,
    /// File the sealer appends checkpoints to (and `verify` reads), when anchoring.
    pub checkpoints: Option<PathBuf>,
}

/// One signed checkpoint of the chain's head.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Checkpoint {
    /// Chain position of the head when written.
    pub seq: i64,
    /// That row's hash.
    pub hash: String,
    /// When it was written (RFC 3339, UTC).
    pub at: String,
    /// HMAC-SHA256 (hex) over the other fields with the audit key.
    pub signature: String,
}

impl Checkpoint {
    /// The line this checkpoint takes in a checkpoint file (the export format).
    pub fn line(&self) -> String {
        format!("{} {} {} {}", self.seq, self.hash, self.at, self.signature)
    }
}

pub(crate) fn mac(key: &[u8], parts: &[&[u8]]) -> String {
    // HMAC takes keys of any length, so this cannot fail; an empty MAC would never verify.
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    for p in parts {
        m.update(p);
        m.update(b"\n");
    }
    hex::encode(m.finalize().into_bytes())
}

impl Anchor {
    /// No key and no checkpoints: the plain SHA-256 chain.
    pub fn none() -> Self {
        Anchor::default()
    }

    /// The keyed link hash over `prev` and the row's canonical `content`, when keyed.
    pub fn link(&self, prev: &str, content: &str) -> Option<String> {
        let key = self.key.as_deref()?;
        Some(format!(
            "{KEYED_PREFIX}{}",
            mac(key, &[prev.as_bytes(), content.as_bytes()])
        ))
    }

    fn line_mac(&self, c: &Checkpoint) -> Option<String> {
        let key = self.key.as_deref()?;
        Some(mac(
            key,
            &[
                b"checkpoint",
                c.seq.to_string().as_bytes(),
                c.hash.as_bytes(),
                c.at.as_bytes(),
            ],
        ))
    }

    /// Appends a signed checkpoint (needs both a key and a file).
    pub fn write_checkpoint(&self, seq: i64, hash: &str) -> Result<(), String> {
        let Some(path) = &self.checkpoints else {
            return Ok(());
        };
        let mut c = Checkpoint {
            seq,
            hash: hash.to_string(),
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            signature: String::new(),
        };
        let Some(sig) = self.line_mac(&c) else {
            return Ok(());
        };
        c.signature = sig;
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        writeln!(f, "{}", c.line())
            .and_then(|_| f.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// The checkpoints in the file, or the first line whose signature does not check.
    pub fn read_checkpoints(&self) -> Result<Vec<Checkpoint>, String> {
        let Some(path) = &self.checkpoints else {
            return Ok(Vec::new());
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let mut out = Vec::new();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let parts: Vec<&str> = line.split(' ').collect();
            let parsed = match parts.as_slice() {
                [seq, hash, at, sig] => seq.parse::<i64>().ok().map(|seq| {
                    (
                        Checkpoint {
                            seq,
                            hash: hash.to_string(),
                            at: at.to_string(),
                            signature: sig.to_string(),
                        },
                        sig.to_string(),
                    )
                }),
                _ => None,
            };
            match parsed {
                Some((c, sig)) if self.line_mac(&c).as_deref() == Some(sig.as_str()) => out.push(c),
                _ => return Err(format!("checkpoint line {} is not validly signed", n + 1)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_round_trip_and_forgeries_are_refused() {
        let path = std::env::temp_dir().join(format!("cp-{}.log", uuid::Uuid::new_v4()));
        let a = Anchor {
            key: Some(b"k".repeat(32)),
            checkpoints: Some(path.clone()),
        };
        a.write_checkpoint(7, "k1:ab").unwrap();
        let read = a.read_checkpoints().unwrap();
        assert_eq!(read[0].seq, 7);
        let other = Anchor {
            key: Some(b"x".repeat(32)),
            checkpoints: Some(path.clone()),
        };
        assert!(other.read_checkpoints().is_err());
        assert!(a.link("p", "c").unwrap().starts_with(KEYED_PREFIX));
        assert_ne!(a.link("p", "c"), other.link("p", "c"));
        std::fs::remove_file(path).unwrap();
    }
}
