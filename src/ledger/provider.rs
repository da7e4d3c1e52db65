//! Provider-level adjustments (835 PLB) in the ledger. A PLB is money the payer adds to a payment
//! (L6 interest: a negative amount) or withholds from it (WO overpayment recovery, FB forwarding
//! balance, LE levy, ...) that belongs to no claim line: it is kept in its own append-only table
//! tied to the remittance and the payer, never spread over claims, so every claim line's
//! invariant is untouched and the payment balances as `BPR02 = Σ CLP04 − Σ PLB` in the ledger
//! too (reports::deposits). Posted once per payment: the key is the payer, the trace number and
//! the pair's position, so the same payment inside two files posts its PLB once.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::model::RemittanceRef;
use crate::db::schema_ledger::ledger_provider_adjustments as pa;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::payers::model::PayerId;
use crate::x12::era::ProviderAdjustment;

crate::typed_id!(
    /// Id of a posted provider-level adjustment.
    ProviderAdjustmentId
);

/// A posted PLB reason/amount pair.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pa)]
#[diesel(treat_none_as_default_value = false)]
pub struct ProviderAdjustmentRow {
    /// Id.
    pub id: ProviderAdjustmentId,
    /// The remittance (835 payment) it came with.
    pub remittance_id: RemittanceRef,
    /// The payer of the payment's claims, when one could be told.
    pub payer_id: Option<PayerId>,
    /// The 835's payer id, else its sender (the idempotency key with trace and position).
    pub payer_key: String,
    /// TRN02.
    pub trace_number: String,
    /// 0-based position among the payment's PLB pairs.
    pub position: i32,
    /// PLB01.
    pub provider_identifier: String,
    /// PLB02.
    pub fiscal_period_date: Option<NaiveDate>,
    /// PLB03-1.
    pub reason_code: String,
    /// PLB03-2.
    pub reference: Option<String>,
    /// As received: positive withholds from the payment, negative adds to it.
    pub amount_cents: i64,
    /// The payment date (BPR16).
    pub paid_on: Option<NaiveDate>,
    /// When posted.
    pub created_at: Timestamp,
    /// Who posted.
    pub created_by: String,
}

/// A posted provider-level adjustment as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProviderAdjustmentDoc {
    /// Id of the ledger row.
    pub id: ProviderAdjustmentId,
    /// The remittance it was posted with (an earlier file's when the payment came twice).
    pub remittance_id: RemittanceRef,
    /// The payer, when told.
    pub payer_id: Option<PayerId>,
    /// PLB01.
    pub provider_identifier: String,
    /// PLB03-1.
    pub reason_code: String,
    /// What the reason code means, in our words ("no description bundled" when unknown).
    pub meaning: &'static str,
    /// PLB03-2.
    pub reference: Option<String>,
    /// Positive: withheld from the payment; negative: added to it (e.g. interest).
    pub amount_cents: i64,
    /// `withheld` or `added`.
    pub effect: &'static str,
    /// When posted.
    pub posted_at: Timestamp,
}

impl From<&ProviderAdjustmentRow> for ProviderAdjustmentDoc {
    fn from(r: &ProviderAdjustmentRow) -> Self {
        ProviderAdjustmentDoc {
            id: r.id,
            remittance_id: r.remittance_id,
            payer_id: r.payer_id,
            provider_identifier: r.provider_identifier.clone(),
            reason_code: r.reason_code.clone(),
            meaning: reason_meaning(&r.reason_code),
            reference: r.reference.clone(),
            amount_cents: r.amount_cents,
            effect: if r.amount_cents < 0 {
                "added"
            } else {
                "withheld"
            },
            posted_at: r.created_at,
        }
    }
}

/// The PLB reason codes offices see most (X12 code list of PLB03-1), in our own words.
pub fn reason_meaning(code: &str) -> &'static str {
    match code {
        "L6" => "interest owed for late payment",
        "FB" => "forwarding balance: an amount carried from or to another payment",
        "WO" => "overpayment recovery: the payer takes back money paid earlier",
        "LE" => "levy: money withheld for a third party (e.g. a tax authority)",
        "CS" => "adjustment (see the reference)",
        "72" => "authorized return: money the provider returned, or refunded to it",
        "J1" => "nonreimbursable amount",
        "IR" => "tax withholding (Internal Revenue Service)",
        "AP" => "acceleration of benefits",
        "B2" => "rebate",
        "B3" => "recovery allowance",
        "BD" => "bad debt adjustment",
        "BN" => "bonus",
        "C5" => "temporary allowance",
        "CR" => "capitation interest",
        "CT" => "capitation payment",
        "E3" => "withholding",
        "GO" => "graduate medical education passthrough",
        "IP" => "incentive premium payment",
        "L3" => "penalty",
        "LS" => "lump sum",
        "OB" => "offset for affiliated providers",
        "PI" => "periodic interim payment",
        "PL" => "final payment",
        "RA" => "retroactive adjustment",
        "TL" => "third party liability",
        "WU" => "unspent funds",
        _ => "no description bundled",
    }
}

/// What the rows of one payment are keyed and dated by.
pub struct PaymentKey<'a> {
    /// The remittance posting them.
    pub remittance_id: RemittanceRef,
    /// The payer of the payment's claims, when known.
    pub payer_id: Option<PayerId>,
    /// The 835's payer id, else its sender.
    pub payer_key: &'a str,
    /// TRN02.
    pub trace_number: &'a str,
    /// BPR16.
    pub paid_on: Option<NaiveDate>,
}

/// The rows a payment's PLB pairs post as (pure).
pub fn rows_of(
    key: &PaymentKey<'_>,
    plb: &[ProviderAdjustment],
    at: Timestamp,
    by: &str,
) -> Vec<ProviderAdjustmentRow> {
    plb.iter()
        .zip(0..)
        .map(|(a, position)| ProviderAdjustmentRow {
            id: ProviderAdjustmentId::new(),
            remittance_id: key.remittance_id,
            payer_id: key.payer_id,
            payer_key: key.payer_key.to_string(),
            trace_number: key.trace_number.to_string(),
            position,
            provider_identifier: a.provider_id.clone(),
            fiscal_period_date: a.fiscal_period_date,
            reason_code: a.reason.clone(),
            reference: a.reference.clone(),
            amount_cents: a.amount_cents,
            paid_on: key.paid_on,
            created_at: at,
            created_by: by.to_string(),
        })
        .collect()
}

/// The rows already posted for a payment (payer key and trace number), in position order.
pub fn of_payment(
    conn: &mut AnyConnection,
    payer_key: &str,
    trace_number: &str,
) -> QueryResult<Vec<ProviderAdjustmentRow>> {
    pa::table
        .filter(pa::payer_key.eq(payer_key))
        .filter(pa::trace_number.eq(trace_number))
        .order(pa::position.asc())
        .select(ProviderAdjustmentRow::as_select())
        .load(conn)
}

/// Posts `rows` (one payment's) unless that payment's PLB was posted before. Answers the rows
/// in force and whether they were posted now. Call inside the import's transaction.
pub fn post(
    conn: &mut AnyConnection,
    rows: Vec<ProviderAdjustmentRow>,
) -> QueryResult<(Vec<ProviderAdjustmentRow>, bool)> {
    let Some(first) = rows.first() else {
        return Ok((rows, false));
    };
    let earlier = of_payment(conn, &first.payer_key, &first.trace_number)?;
    if !earlier.is_empty() {
        return Ok((earlier, false));
    }
    // A payment carries a handful of pairs; one statement (diesel's multi-backend connection
    // cannot batch-insert, so on the inner connection).
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(pa::table).values(chunk);
        match conn {
            AnyConnection::Sqlite(c) => insert.execute(c)?,
            AnyConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok((rows, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plb(reason: &str, cents: i64) -> ProviderAdjustment {
        ProviderAdjustment {
            provider_id: "1234567893".into(),
            fiscal_period_date: None,
            reason: reason.into(),
            reference: Some("REF1".into()),
            amount_cents: cents,
        }
    }

    #[test]
    fn rows_keep_order_sign_and_key() {
        let key = PaymentKey {
            remittance_id: RemittanceRef(uuid::Uuid::nil()),
            payer_id: None,
            payer_key: "ACME1",
            trace_number: "EFT1",
            paid_on: None,
        };
        let rows = rows_of(
            &key,
            &[plb("L6", -250), plb("WO", 1000)],
            Timestamp::now(),
            "user:a",
        );
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.position, r.reason_code.as_str(), r.amount_cents))
            .collect();
        assert_eq!(got, vec![(0, "L6", -250), (1, "WO", 1000)]);
        assert!(rows
            .iter()
            .all(|r| r.payer_key == "ACME1" && r.trace_number == "EFT1"));
        let docs: Vec<ProviderAdjustmentDoc> = rows.iter().map(Into::into).collect();
        assert_eq!((docs[0].effect, docs[1].effect), ("added", "withheld"));
        assert_eq!(docs[0].meaning, "interest owed for late payment");
        assert_eq!(reason_meaning("ZZ"), "no description bundled");
    }
}
