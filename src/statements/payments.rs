//! Patient payments and refunds: money at the desk or by mail, applied to the oldest open
//! patient balances first unless lines are named (what is left stays as an unapplied credit);
//! refunds give back a credit. Each applied amount is a ledger `patient_payment` entry, each
//! refunded line credit a ledger `refund` entry, linked to the payment row that wrote it.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::allocate::{allocate, Allocation, OpenPatientLine};
use super::forms::{PaymentBody, RefundBody};
use crate::audit::{store as audit_store, AuditEntry};
use crate::auth::RequestCtx;
use crate::claims::model::ClaimId;
use crate::db::schema_ledger::ledger_entries as le;
use crate::db::schema_statements::{patient_payment_entries as ppe, patient_payments as pp};
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::ledger::model::{Buckets, EntryId, Kind, PlannedEntry};
use crate::ledger::store as ledger_store;
use crate::patients::model::PatientId;

crate::typed_id!(
    /// Id of a patient payment or refund.
    PatientPaymentId
);

/// A stored payment or refund.
#[derive(
    Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema,
)]
#[diesel(table_name = pp)]
pub struct PatientPayment {
    /// Id.
    pub id: PatientPaymentId,
    /// The patient.
    pub patient_id: PatientId,
    /// `payment` or `refund`.
    pub kind: String,
    /// `cash`, `check` or `card`.
    pub method: String,
    /// `desk` or `mail`.
    pub channel: String,
    /// Check number or card authorisation reference (never a card number).
    pub reference: Option<String>,
    /// Amount (positive).
    pub amount_cents: i64,
    /// The day the money was received (or given back).
    pub received_on: NaiveDate,
    /// Note (a refund's reason).
    pub note: Option<String>,
    /// When recorded.
    pub created_at: Timestamp,
    /// By whom.
    pub created_by: String,
}

/// A patient's credit: money paid and not on any line, and lines the patient overpaid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Credit {
    /// Payments less refunds less what is applied to lines.
    pub unapplied_cents: i64,
    /// Sum of negative patient balances on lines (e.g. the payer paid after the patient did).
    pub line_credit_cents: i64,
    /// Both: what may be refunded.
    pub total_cents: i64,
}

/// What a payment or refund did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentOutcome {
    /// The stored payment or refund.
    pub payment: PatientPayment,
    /// Amounts written to claim lines (positive: paid on the line; for a refund, given back).
    pub applied: Vec<Allocation>,
    /// Of this payment, what went to no line (a payment's credit; a refund from unapplied money).
    pub unapplied_cents: i64,
    /// The patient's credit after.
    pub credit: Credit,
    /// The patient's open patient balance after (sum over lines, credits included).
    pub patient_balance_cents: i64,
}

/// The patient's credit now.
pub fn credit(conn: &mut AnyConnection, patient: PatientId) -> QueryResult<Credit> {
    let moves: Vec<(String, i64)> = pp::table
        .filter(pp::patient_id.eq(patient))
        .select((pp::kind, pp::amount_cents))
        .load(conn)?;
    let linked: Vec<(String, i64)> = ppe::table
        .inner_join(pp::table)
        .inner_join(le::table)
        .filter(pp::patient_id.eq(patient))
        .select((le::kind, le::amount_cents))
        .load(conn)?;
    let paid: i64 = moves
        .iter()
        .map(|(k, a)| if k == "refund" { -a } else { *a })
        .sum();
    let applied: i64 = linked
        .iter()
        .map(|(k, a)| Kind::parse(k).map_or(0, |k| k.settled(*a)))
        .sum();
    let lines = crate::ledger::balance::of_patient(conn, patient)?;
    let line_credit: i64 = lines
        .lines
        .iter()
        .map(|l| (-l.open.patient_cents).max(0))
        .sum();
    let unapplied = paid - applied;
    Ok(Credit {
        unapplied_cents: unapplied,
        line_credit_cents: line_credit,
        total_cents: unapplied + line_credit,
    })
}

/// Locks the patient's claims (PostgreSQL) so payer postings and patient payments on them
/// run one at a time; SQLite write transactions are serialised already.
fn lock_patient(conn: &mut AnyConnection, patient: PatientId) -> QueryResult<()> {
    if let AnyConnection::Postgres(c) = conn {
        diesel::sql_query("SELECT id FROM claims WHERE patient_id = $1 FOR UPDATE")
            .bind::<crate::db::types::PortableUuid, _>(patient)
            .execute(c)?;
        diesel::sql_query("SELECT id FROM patients WHERE id = $1 FOR UPDATE")
            .bind::<crate::db::types::PortableUuid, _>(patient)
            .execute(c)?;
    }
    Ok(())
}

/// Writes `entries` of `kind` for `payment` and links them; returns the claims touched.
fn write_entries(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    payment: &PatientPayment,
    kind: Kind,
    allocations: &[Allocation],
) -> DomainResult<Vec<ClaimId>> {
    let mut rows = Vec::with_capacity(allocations.len());
    for a in allocations {
        // A patient payment closes patient balance; a refund reopens it (a line credit back to 0).
        let sign = if kind == Kind::Refund { 1 } else { -1 };
        let effect = Buckets {
            patient_cents: sign * a.amount_cents,
            ..Buckets::default()
        };
        let e = PlannedEntry::new(a.line_number, kind, a.amount_cents, effect);
        rows.push(ledger_store::row_of(
            a.claim_id,
            None,
            None,
            &e,
            payment.reference.clone(),
            payment.created_at,
            &ctx.caller.actor,
        ));
    }
    ledger_store::insert_entries(conn, &rows)?;
    let links: Vec<(EntryId, PatientPaymentId)> = rows.iter().map(|r| (r.id, payment.id)).collect();
    for (entry, pay) in links {
        diesel::insert_into(ppe::table)
            .values((ppe::entry_id.eq(entry), ppe::payment_id.eq(pay)))
            .execute(conn)?;
    }
    let mut claims: Vec<ClaimId> = allocations.iter().map(|a| a.claim_id).collect();
    claims.sort();
    claims.dedup();
    // The claims' money changed: bump their versions (and keep their statuses right).
    for id in &claims {
        if let Some(claim) = crate::claims::store::find(conn, *id)? {
            crate::remits::posting_service::refresh_status(
                conn,
                ctx,
                &claim,
                format!("patient {} of {} cents", payment.kind, payment.amount_cents),
            )?;
        }
    }
    Ok(claims)
}

fn open_lines(conn: &mut AnyConnection, patient: PatientId) -> QueryResult<Vec<OpenPatientLine>> {
    Ok(crate::ledger::balance::of_patient(conn, patient)?
        .lines
        .into_iter()
        .map(|l| OpenPatientLine {
            claim_id: l.claim_id,
            line_number: l.line_number,
            patient_cents: l.open.patient_cents,
        })
        .collect())
}

fn outcome(
    conn: &mut AnyConnection,
    payment: PatientPayment,
    applied: Vec<Allocation>,
) -> DomainResult<PaymentOutcome> {
    let on_lines: i64 = applied.iter().map(|a| a.amount_cents).sum();
    let credit = credit(conn, payment.patient_id)?;
    let balance = crate::ledger::balance::of_patient(conn, payment.patient_id)?;
    Ok(PaymentOutcome {
        unapplied_cents: payment.amount_cents - on_lines,
        payment,
        applied,
        credit,
        patient_balance_cents: balance.totals.patient_cents,
    })
}

fn ensure_patient(conn: &mut AnyConnection, patient: PatientId) -> DomainResult<()> {
    if crate::patients::store::find(conn, patient)?.is_none() {
        return Err(DomainError::not_found("patient"));
    }
    Ok(())
}

/// Records a payment by `patient` and applies it, in the caller's transaction.
pub fn post_payment(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    patient: PatientId,
    body: &PaymentBody,
) -> DomainResult<PaymentOutcome> {
    let valid = body.validated()?;
    ensure_patient(conn, patient)?;
    lock_patient(conn, patient)?;
    let open = open_lines(conn, patient)?;
    let applied = allocate(&open, valid.amount_cents, body.lines.as_deref())?;
    let payment = PatientPayment {
        id: PatientPaymentId::new(),
        patient_id: patient,
        kind: "payment".into(),
        method: valid.method,
        channel: valid.channel,
        reference: valid.reference,
        amount_cents: valid.amount_cents,
        received_on: valid.received_on,
        note: valid.note,
        created_at: Timestamp::now(),
        created_by: ctx.caller.actor.clone(),
    };
    diesel::insert_into(pp::table)
        .values(&payment)
        .execute(conn)?;
    record_event(conn, &payment)?;
    write_entries(conn, ctx, &payment, Kind::PatientPayment, &applied)?;
    let entry = AuditEntry::success(ctx, "create", "patient_payment", Some(patient.to_string()));
    audit_store::insert(conn, &[entry])?;
    outcome(conn, payment, applied)
}

/// Gives back part or all of `patient`'s credit: line credits first (ledger `refund` entries,
/// oldest first), then unapplied money. 409 when the credit is smaller than the refund.
pub fn refund(
    conn: &mut AnyConnection,
    ctx: &RequestCtx,
    patient: PatientId,
    body: &RefundBody,
) -> DomainResult<PaymentOutcome> {
    let valid = body.validated()?;
    ensure_patient(conn, patient)?;
    lock_patient(conn, patient)?;
    let credit_now = credit(conn, patient)?;
    if valid.amount_cents > credit_now.total_cents {
        return Err(DomainError::conflict(format!(
            "the patient's credit is {} cents; a refund cannot be larger",
            credit_now.total_cents.max(0)
        )));
    }
    let mut rest = valid.amount_cents;
    let mut applied = Vec::new();
    for l in open_lines(conn, patient)? {
        if rest == 0 {
            break;
        }
        if l.patient_cents < 0 {
            let x = rest.min(-l.patient_cents);
            applied.push(Allocation {
                claim_id: l.claim_id,
                line_number: l.line_number,
                amount_cents: x,
            });
            rest -= x;
        }
    }
    let payment = PatientPayment {
        id: PatientPaymentId::new(),
        patient_id: patient,
        kind: "refund".into(),
        method: valid.method,
        channel: valid.channel,
        reference: valid.reference,
        amount_cents: valid.amount_cents,
        received_on: valid.received_on,
        note: valid.note,
        created_at: Timestamp::now(),
        created_by: ctx.caller.actor.clone(),
    };
    diesel::insert_into(pp::table)
        .values(&payment)
        .execute(conn)?;
    record_event(conn, &payment)?;
    write_entries(conn, ctx, &payment, Kind::Refund, &applied)?;
    let entry = AuditEntry::success(ctx, "refund", "patient_payment", Some(patient.to_string()));
    audit_store::insert(conn, &[entry])?;
    outcome(conn, payment, applied)
}

/// A patient's payments and refunds, newest first, with the credit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentList {
    /// Payments and refunds, newest first.
    pub items: Vec<PatientPayment>,
    /// The credit now.
    pub credit: Credit,
}

/// The patient's payments and refunds.
pub fn list(conn: &mut AnyConnection, patient: PatientId) -> DomainResult<PaymentList> {
    ensure_patient(conn, patient)?;
    let items = pp::table
        .filter(pp::patient_id.eq(patient))
        .order((pp::created_at.desc(), pp::id.desc()))
        .select(PatientPayment::as_select())
        .load(conn)?;
    Ok(PaymentList {
        items,
        credit: credit(conn, patient)?,
    })
}

/// `patient_payment.created` for a payment or refund, in its transaction (ids and kind only).
fn record_event(conn: &mut AnyConnection, p: &PatientPayment) -> DomainResult<()> {
    let data = serde_json::json!({
        "patient_payment_id": p.id, "patient_id": p.patient_id, "kind": p.kind,
    });
    crate::events::record(
        conn,
        crate::events::types::PATIENT_PAYMENT_CREATED,
        p.id.0,
        1,
        data,
    )?;
    Ok(())
}
