//! Deposit reconciliation: what a billing office compares with its bank statement. Per 835
//! payment (remittance) in a date range: the deposit (BPR02), what the 835 says it is made of
//! (Σ CLP04 claim payments − Σ PLB provider-level adjustments), and how much of each is in the
//! ledger (claim postings and provider adjustments posted with that remittance). What is not
//! posted yet (unmatched claims, an out-of-balance payment) shows as `unposted_cents`.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema_ledger::{ledger_postings as lp, ledger_provider_adjustments as pa};
use crate::db::schema_remittances::remittances as rm;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::ledger::model::RemittanceRef;
use crate::ledger::provider::{ProviderAdjustmentDoc, ProviderAdjustmentRow};

/// One payment's reconciliation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Deposit {
    /// The remittance.
    pub remittance_id: uuid::Uuid,
    /// BPR16, else the day it was imported.
    pub date: Option<NaiveDate>,
    /// TRN02: the check or EFT trace number the bank shows.
    pub trace_number: String,
    /// N1*PR name.
    pub payer_name: String,
    /// BPR04: ACH, CHK, NON, ...
    pub payment_method: String,
    /// The remittance's status (posted, partially_unmatched, unmatched, out_of_balance).
    pub status: String,
    /// BPR02, negative for a debit (BPR03 D): what reaches (or leaves) the bank account.
    pub deposit_cents: i64,
    /// Σ CLP04 of the 835.
    pub claim_payments_cents: i64,
    /// Σ PLB amounts of the 835 (positive withheld, negative added).
    pub provider_adjustments_cents: i64,
    /// Σ CLP04 − Σ PLB: what the deposit should be.
    pub expected_deposit_cents: i64,
    /// deposit − expected (0 when the 835 balances).
    pub difference_cents: i64,
    /// Claim payments in the ledger from this remittance (postings, hand matches included).
    pub posted_claim_payments_cents: i64,
    /// Provider-level adjustments in the ledger from this remittance.
    pub posted_provider_adjustments_cents: i64,
    /// Expected deposit not in the ledger yet:
    /// (claim payments − posted) − (provider adjustments − posted).
    pub unposted_cents: i64,
    /// The provider-level adjustments posted, with their meaning.
    pub provider_adjustments: Vec<ProviderAdjustmentDoc>,
}

/// The report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DepositReport {
    /// First day (payment date), inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// Payments, oldest first.
    pub deposits: Vec<Deposit>,
    /// Sums of the money columns over every payment.
    pub totals: Deposit,
}

/// The stored columns the report reads (the raw file is left out).
#[derive(Queryable, Selectable)]
#[diesel(table_name = rm)]
struct Source {
    id: crate::remits::store::RemittanceId,
    trace_number: String,
    payer_name: String,
    payment_method: String,
    credit_debit: String,
    status: String,
    payment_cents: i64,
    payment_date: Option<NaiveDate>,
    parsed: String,
    received_at: Timestamp,
}

/// The parts of the parsed payment the report needs (serde skips the rest).
#[derive(Deserialize)]
struct Parsed {
    claims: Vec<ClaimPaid>,
    provider_adjustments: Vec<PlbAmount>,
}

#[derive(Deserialize)]
struct ClaimPaid {
    paid_cents: i64,
}

#[derive(Deserialize)]
struct PlbAmount {
    amount_cents: i64,
}

fn day_start(d: NaiveDate) -> Timestamp {
    Timestamp(d.and_time(NaiveTime::MIN).and_utc())
}

/// The deposits of payments dated `from..=to` (BPR16, else the import day).
pub fn run(conn: &mut AnyConnection, from: NaiveDate, to: NaiveDate) -> QueryResult<DepositReport> {
    let after_to = to.succ_opt().unwrap_or(to);
    let rows: Vec<Source> = rm::table
        .filter(
            rm::payment_date.between(from, to).or(rm::payment_date
                .is_null()
                .and(rm::received_at.ge(day_start(from)))
                .and(rm::received_at.lt(day_start(after_to)))),
        )
        .order(rm::id.asc())
        .select(Source::as_select())
        .load(conn)?;
    let (paid, mut plb) = posted(conn, &rows)?;
    let mut totals = Deposit::default();
    let mut deposits = Vec::with_capacity(rows.len());
    for r in rows {
        let d = deposit(
            &r,
            paid.get(&r.id.0).copied().unwrap_or(0),
            plb.remove(&r.id.0).unwrap_or_default(),
        );
        add(&mut totals, &d);
        deposits.push(d);
    }
    // Sorted here: the backends order NULL payment dates differently.
    deposits.sort_by_key(|d| (d.date, d.remittance_id));
    Ok(DepositReport {
        from,
        to,
        deposits,
        totals,
    })
}

type Posted = (
    HashMap<uuid::Uuid, i64>,
    HashMap<uuid::Uuid, Vec<ProviderAdjustmentRow>>,
);

/// Per remittance: the claim payments and the provider-level adjustments posted with it.
fn posted(conn: &mut AnyConnection, rows: &[Source]) -> QueryResult<Posted> {
    let mut paid: HashMap<uuid::Uuid, i64> = HashMap::new();
    let mut plb: HashMap<uuid::Uuid, Vec<ProviderAdjustmentRow>> = HashMap::new();
    for chunk in rows.chunks(500) {
        let refs: Vec<RemittanceRef> = chunk.iter().map(|r| RemittanceRef(r.id.0)).collect();
        // Summed here: SQL SUM of a bigint is a numeric on both backends.
        let postings: Vec<(Option<RemittanceRef>, i64)> = lp::table
            .filter(lp::remittance_id.eq_any(refs.clone()))
            .select((lp::remittance_id, lp::paid_cents))
            .load(conn)?;
        for (id, cents) in postings {
            if let Some(id) = id {
                *paid.entry(id.0).or_default() += cents;
            }
        }
        let adjustments: Vec<ProviderAdjustmentRow> = pa::table
            .filter(pa::remittance_id.eq_any(refs))
            .order((pa::remittance_id.asc(), pa::position.asc()))
            .select(ProviderAdjustmentRow::as_select())
            .load(conn)?;
        for r in adjustments {
            plb.entry(r.remittance_id.0).or_default().push(r);
        }
    }
    Ok((paid, plb))
}

/// The reconciliation of one remittance (its detail shows it).
pub fn of_remittance(
    conn: &mut AnyConnection,
    id: crate::remits::store::RemittanceId,
) -> QueryResult<Option<Deposit>> {
    let rows: Vec<Source> = rm::table.find(id).select(Source::as_select()).load(conn)?;
    let (paid, mut plb) = posted(conn, &rows)?;
    Ok(rows.first().map(|r| {
        deposit(
            r,
            paid.get(&r.id.0).copied().unwrap_or(0),
            plb.remove(&r.id.0).unwrap_or_default(),
        )
    }))
}

fn deposit(r: &Source, posted_paid: i64, posted_plb: Vec<ProviderAdjustmentRow>) -> Deposit {
    // A payment whose parsed form cannot be read counts as made of nothing: its whole deposit
    // then shows as a difference, which is what a person must look at.
    let parsed: Parsed = serde_json::from_str(&r.parsed).unwrap_or(Parsed {
        claims: Vec::new(),
        provider_adjustments: Vec::new(),
    });
    let claims: i64 = parsed.claims.iter().map(|c| c.paid_cents).sum();
    let adjustments: i64 = parsed
        .provider_adjustments
        .iter()
        .map(|a| a.amount_cents)
        .sum();
    let deposit = if r.credit_debit == "D" {
        -r.payment_cents
    } else {
        r.payment_cents
    };
    let posted_adjustments: i64 = posted_plb.iter().map(|a| a.amount_cents).sum();
    Deposit {
        remittance_id: r.id.0,
        date: r.payment_date.or(Some(r.received_at.0.date_naive())),
        trace_number: r.trace_number.clone(),
        payer_name: r.payer_name.clone(),
        payment_method: r.payment_method.clone(),
        status: r.status.clone(),
        deposit_cents: deposit,
        claim_payments_cents: claims,
        provider_adjustments_cents: adjustments,
        expected_deposit_cents: claims - adjustments,
        difference_cents: deposit - (claims - adjustments),
        posted_claim_payments_cents: posted_paid,
        posted_provider_adjustments_cents: posted_adjustments,
        unposted_cents: (claims - posted_paid) - (adjustments - posted_adjustments),
        provider_adjustments: posted_plb.iter().map(Into::into).collect(),
    }
}

fn add(t: &mut Deposit, d: &Deposit) {
    t.deposit_cents += d.deposit_cents;
    t.claim_payments_cents += d.claim_payments_cents;
    t.provider_adjustments_cents += d.provider_adjustments_cents;
    t.expected_deposit_cents += d.expected_deposit_cents;
    t.difference_cents += d.difference_cents;
    t.posted_claim_payments_cents += d.posted_claim_payments_cents;
    t.posted_provider_adjustments_cents += d.posted_provider_adjustments_cents;
    t.unposted_cents += d.unposted_cents;
}

/// The report as CSV: one line per payment, then the totals.
pub fn csv(r: &DepositReport) -> String {
    let mut out = String::from(
        "date,trace_number,payer,method,status,deposit_cents,claim_payments_cents,\
         provider_adjustments_cents,expected_deposit_cents,difference_cents,\
         posted_claim_payments_cents,posted_provider_adjustments_cents,unposted_cents\n",
    );
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut line = |d: &Deposit, date: &str, trace: &str, payer: &str| {
        let cols = [
            d.deposit_cents,
            d.claim_payments_cents,
            d.provider_adjustments_cents,
            d.expected_deposit_cents,
            d.difference_cents,
            d.posted_claim_payments_cents,
            d.posted_provider_adjustments_cents,
            d.unposted_cents,
        ];
        let nums: Vec<String> = cols.iter().map(i64::to_string).collect();
        out.push_str(&format!(
            "{date},{},{},{},{},{}\n",
            field(trace),
            field(payer),
            field(&d.payment_method),
            field(&d.status),
            nums.join(",")
        ));
    };
    for d in &r.deposits {
        let date = d.date.map(|x| x.to_string()).unwrap_or_default();
        line(d, &date, &d.trace_number, &d.payer_name);
    }
    line(&r.totals, "total", "", "");
    out
}
