//! Write-offs: the office gives up an open balance (a denial not worth appealing, a small
//! patient balance), with a reason; audited, and the claim's status recomputed.

use serde::{Deserialize, Serialize};

use super::model::{Buckets, Kind, PlannedEntry};
use super::store;
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::claims::model::ClaimId;
use crate::claims::status::{self, Status};
use crate::claims::store as claim_store;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult, FieldError};

/// Body of `POST /v1/claims/{id}/write-offs`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOffBody {
    /// Why (kept on the entries and in the claim's history).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub reason: String,
    /// Whose balance: `payer` (default) or `patient`.
    #[schema(pattern = "^(payer|patient)$")]
    pub bucket: Option<String>,
    /// Only this line (default: every line with an open balance in the bucket).
    #[schema(minimum = 1, maximum = 50)]
    pub line_number: Option<i32>,
}

/// What a write-off did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WriteOffOutcome {
    /// The claim.
    pub claim_id: ClaimId,
    /// Cents written off.
    pub written_off_cents: i64,
    /// Lines touched.
    pub lines: Vec<i32>,
    /// The claim's status after.
    #[schema(value_type = String)]
    pub status: Status,
    /// The claim's new version.
    pub version: i32,
}

fn validate(body: &WriteOffBody) -> DomainResult<bool> {
    let mut errors = Vec::new();
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        errors.push(FieldError::new(
            "/reason",
            "required",
            "a reason of 1 to 200 characters",
        ));
    }
    let patient = match body.bucket.as_deref() {
        None | Some("payer") => false,
        Some("patient") => true,
        Some(_) => {
            errors.push(FieldError::new(
                "/bucket",
                "invalid_value",
                "payer or patient",
            ));
            false
        }
    };
    if errors.is_empty() {
        Ok(patient)
    } else {
        Err(DomainError::validation(errors))
    }
}

/// Writes off the open balance of one bucket on claim `id` (one line or all), as `ctx`.
pub fn write_off(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    id: ClaimId,
    expected: Option<i32>,
    body: &WriteOffBody,
) -> DomainResult<WriteOffOutcome> {
    let patient = validate(body)?;
    store::lock_claim(conn, id)?;
    let claim = claim_store::find(conn, id)?
        .ok_or_else(|| DomainError::not_found(crate::claims::service::RESOURCE))?;
    crate::db::versioned::expect_version(claim.version, expected)?;
    let from = claim.status;
    if !(from.accepts_remittance() || from == Status::Rejected) {
        return Err(status::conflict(
            from,
            "be written off before it is submitted",
        ));
    }
    let balances = store::line_balances(conn, id)?;
    if let Some(n) = body.line_number {
        if !balances.iter().any(|b| b.line_number == n) {
            return Err(DomainError::invalid_field(
                "/line_number",
                "unknown_line",
                "the claim has no such line",
            ));
        }
    }
    let planned: Vec<PlannedEntry> = balances
        .iter()
        .filter(|b| body.line_number.is_none_or(|n| n == b.line_number))
        .filter_map(|b| {
            let open = if patient {
                b.open.patient_cents
            } else {
                b.open.payer_cents
            };
            (open > 0).then(|| {
                let effect = if patient {
                    Buckets {
                        patient_cents: -open,
                        ..Buckets::default()
                    }
                } else {
                    Buckets {
                        payer_cents: -open,
                        ..Buckets::default()
                    }
                };
                PlannedEntry::new(b.line_number, Kind::WriteOff, open, effect)
            })
        })
        .collect();
    if planned.is_empty() {
        return Err(DomainError::conflict(
            "nothing is open in that balance to write off",
        ));
    }
    let at = Timestamp::now();
    let reason = body.reason.trim().to_string();
    let rows: Vec<_> = planned
        .iter()
        .map(|e| {
            store::row_of(
                id,
                None,
                (!patient).then_some(claim.payer_id),
                e,
                Some(reason.clone()),
                at,
                &ctx.caller.actor,
            )
        })
        .collect();
    store::insert_entries(conn, &rows)?;
    let total: i64 = planned.iter().map(|e| e.amount_cents).sum();
    let status = crate::remits::posting_service::refresh_status(
        conn,
        ctx,
        &claim,
        format!("write-off of {total} cents: {reason}"),
    )?;
    let entry = AuditEntry::success(ctx, "write_off", "claim_posting", Some(id.to_string()));
    audit_store::insert(conn, &[entry])?;
    Ok(WriteOffOutcome {
        claim_id: id,
        written_off_cents: total,
        lines: planned.iter().map(|e| e.line_number).collect(),
        status,
        version: claim.version + 1,
    })
}
