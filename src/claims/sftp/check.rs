//! `medbill clearinghouse check`: tries each thing the sftp adapter does, in order, with the
//! configured settings and says which work (connect, host key, authenticate, the SFTP
//! subsystem, list both folders, write a test file into the inbound folder and remove it).

use std::io::Write;

use super::collect::list_files;
use super::session::{connect, Step};
use super::settings::{fingerprint, SftpSettings};
use super::upload::remote_path;

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// What was tried.
    pub what: String,
    /// Ok with a detail, Err with why, or None when not tried (an earlier step failed).
    pub result: Option<Result<String, String>>,
}

impl CheckLine {
    fn new(what: &str, result: Option<Result<String, String>>) -> Self {
        CheckLine {
            what: what.to_string(),
            result,
        }
    }

    /// `what: ok (detail)`, `what: FAILED: why` or `what: not tried`.
    pub fn describe(&self) -> String {
        match &self.result {
            Some(Ok(d)) => format!("{}: ok ({d})", self.what),
            Some(Err(e)) => format!("{}: FAILED: {e}", self.what),
            None => format!("{}: not tried", self.what),
        }
    }
}

const LATER: [&str; 3] = [
    "list inbound",
    "list outbound",
    "write and remove a test file",
];

/// Runs the checks; the report has one line per step (all Ok when everything works).
pub fn check(s: &SftpSettings) -> Vec<CheckLine> {
    let mut lines = Vec::new();
    let conn = match connect(s) {
        Ok(c) => c,
        Err(e) => {
            for step in Step::ALL {
                let r = match step {
                    _ if step == e.step => Some(Err(e.message.clone())),
                    _ if (step as u8) < (e.step as u8) => Some(Ok("done".to_string())),
                    _ => None,
                };
                lines.push(CheckLine::new(step.label(), r));
            }
            lines.extend(LATER.iter().map(|w| CheckLine::new(w, None)));
            return lines;
        }
    };
    let details = [
        format!("{}:{}", s.host, s.port),
        format!(
            "{} {}",
            s.known_host.key_type,
            fingerprint(&s.known_host.key)
        ),
        format!("as {}", s.user),
        "subsystem open".to_string(),
    ];
    for (step, d) in Step::ALL.iter().zip(details) {
        lines.push(CheckLine::new(step.label(), Some(Ok(d))));
    }
    for (what, dir) in [(LATER[0], &s.inbound), (LATER[1], &s.outbound)] {
        let r = list_files(&conn.sftp, dir)
            .map(|n| format!("{dir}: {} files", n.len()))
            .map_err(|e| match e {
                super::Failure::Connection(m) | super::Failure::Other(m) => format!("{dir}: {m}"),
            });
        lines.push(CheckLine::new(what, Some(r)));
    }
    // A hidden name, so a clearinghouse that picks up files never takes it for a claim.
    let name = format!(".medbill-check-{}.tmp", uuid::Uuid::new_v4().simple());
    let path = remote_path(&s.inbound, &name);
    let r = (|| {
        let mut f = conn.sftp.create(&path).map_err(|e| e.to_string())?;
        f.write_all(b"medbill clearinghouse check\n")
            .map_err(|e| e.to_string())?;
        drop(f);
        conn.sftp.unlink(&path).map_err(|e| e.to_string())
    })()
    .map(|()| format!("{}/{name}", s.inbound))
    .map_err(|e| format!("{}: {e}", s.inbound));
    lines.push(CheckLine::new(LATER[2], Some(r)));
    lines
}

/// Whether every step of the report worked.
pub fn all_ok(lines: &[CheckLine]) -> bool {
    lines.iter().all(|l| matches!(l.result, Some(Ok(_))))
}
