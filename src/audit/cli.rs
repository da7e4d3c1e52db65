//! `medbill audit ...`: verify the chain from the command line (against the data directory's
//! checkpoints or an exported copy) and export the signed checkpoints.

use std::io::Write;
use std::path::Path;

use super::anchor::Anchor;
use super::chain::{verify_with, VerifyReport};
use crate::db::AnyConnection;

/// Verifies the chain with `anchor` (key and checkpoint file); Err when the chain is broken or
/// a row is flagged, with the report as JSON either way.
pub fn verify(conn: &mut AnyConnection, anchor: &Anchor) -> Result<String, String> {
    let report: VerifyReport =
        verify_with(conn, anchor).map_err(|e| format!("cannot verify the audit chain: {e}"))?;
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    if report.ok {
        Ok(text)
    } else {
        Err(format!("the audit chain does not verify:\n{text}"))
    }
}

/// Writes the checkpoints of `anchor`'s file (each signature checked first) to `out`, or to
/// standard output; returns how many were written.
pub fn export(anchor: &Anchor, out: Option<&Path>) -> Result<usize, String> {
    let checkpoints = anchor.read_checkpoints()?;
    let mut text = String::new();
    for c in &checkpoints {
        text.push_str(&c.line());
        text.push('\n');
    }
    match out {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string())?,
    }
    Ok(checkpoints.len())
}
