//! Admin overrides of scrubber errors: an error finding (matched by rule and path) stops
//! blocking sign-off once an admin writes why it does not apply. The override is kept with the
//! encounter, shown beside the finding, and audited (`override`).

use super::forms::OverrideBody;
use super::model::{EncounterDoc, FindingOverride, OverrideId};
use super::service::Edit;
use super::status;
use super::{check, refs, scrubbing};
use crate::auth::RequestCtx;
use crate::codesets::CodeTables;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::scrub::Severity;

/// Shortest reason an override takes.
pub const MIN_REASON: usize = 10;

/// Adds an override of the current error finding `body.rule` at `body.path` to `cur`.
pub fn add(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    cur: &EncounterDoc,
    body: OverrideBody,
) -> DomainResult<Edit> {
    status::check_editable(cur.header.status)?;
    let reason =
        check::reason(&body.reason, MIN_REASON).map_err(|e| DomainError::validation(vec![e]))?;
    let rule = body.rule.trim().to_string();
    let path = body.path.trim().to_string();
    if cur
        .overrides
        .iter()
        .any(|o| o.rule == rule && o.path == path)
    {
        return Err(DomainError::conflict("this finding is already overridden"));
    }
    let refs = refs::load(c, &cur.header)?;
    let report = scrubbing::run(c, cur, &refs, codes)?;
    let finding = report
        .findings
        .iter()
        .map(|f| &f.finding)
        .find(|f| f.severity == Severity::Error && f.rule == rule && f.path == path)
        .ok_or_else(|| {
            DomainError::validation(vec![FieldError::new(
                "/rule",
                "no_such_finding",
                "the encounter has no error finding with this rule and path; validate it to see its findings",
            )])
        })?;
    let mut doc = cur.clone();
    doc.overrides.push(FindingOverride {
        id: OverrideId::new(),
        encounter_id: cur.header.id,
        rule,
        path,
        message: finding.message.clone(),
        reason,
        overridden_by: ctx.caller.actor.clone(),
        at: Timestamp::now(),
    });
    Ok(Edit::of(doc))
}
