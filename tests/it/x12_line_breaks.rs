//! Segment line breaks are a setting, off by default: the outbox and the 837P preview follow
//! it, and with breaks on nothing follows IEA's terminator, so a strict reader finds no empty
//! segment at the end of the file.
#![allow(clippy::unwrap_used)]

use crate::claims_fx;
use crate::common;

use claims_fx::{outbox_files, queued_claims, ready, temp_dir};
use common::TestApp;
use medbill::auth::roles::Role;
use medbill::claims::clearinghouse::FileDrop;
use medbill::claims::worker::{self, WorkerConfig};

/// The segments a strict reader sees: split on `~` only, nothing trimmed but line breaks
/// between segments; the text must end at a terminator.
fn strict_segments(text: &str, breaks: bool) -> Vec<&str> {
    assert!(
        text.ends_with('~'),
        "text ends after the last terminator: {text:?}"
    );
    let body = &text[..text.len() - 1];
    body.split(if breaks { "~\n" } else { "~" })
        .inspect(|s| {
            assert!(
                !s.is_empty() && !s.contains(['\n', '~']),
                "empty or broken segment {s:?}"
            )
        })
        .collect()
}

async fn preview_and_outbox(app: TestApp, breaks: bool) {
    let (fx, _) = ready(&app, if breaks { "B1" } else { "B0" }).await;
    let ids = queued_claims(&app, &fx, 2).await;
    let r = app
        .get(&format!("/v1/claims/{}/837", ids[0]), Role::Billing)
        .await;
    assert_eq!(r.status, 200);
    let text = String::from_utf8(r.raw).unwrap();
    assert_eq!(text.contains('\n'), breaks, "{text}");
    let segs = strict_segments(&text, breaks);
    assert!(segs[0].starts_with("ISA*") && segs.last().unwrap().starts_with("IEA*"));

    let out = temp_dir("outbox");
    let cfg = WorkerConfig {
        line_breaks: breaks,
        ..WorkerConfig::default()
    };
    worker::drain(&app.state.pool, &cfg, &FileDrop::new(&out)).unwrap();
    let files = outbox_files(&out);
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert_eq!(text.contains('\n'), breaks, "{text}");
    let segs = strict_segments(&text, breaks);
    assert_eq!(segs.iter().filter(|s| s.starts_with("CLM*")).count(), 2);
    assert!(segs.last().unwrap().starts_with("IEA*"));
}

async fn off_by_default(app: TestApp) {
    preview_and_outbox(app, false).await;
}

async fn on_when_set(app: TestApp) {
    preview_and_outbox(app.with_x12_line_breaks(), true).await;
}

on_both_backends!(off_by_default, on_when_set);
