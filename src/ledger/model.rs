//! Ledger vocabulary: entry kinds with their fixed signs, the three buckets of a line's open
//! balance, planned entries (what the pure posting returns) and stored rows.

use diesel::prelude::*;
use serde::Serialize;

use crate::claims::model::ClaimId;
use crate::db::schema_ledger::{ledger_denials, ledger_entries, ledger_postings};
use crate::db::types::Timestamp;
use crate::payers::model::PayerId;
use crate::remits::LineMatch;

crate::typed_id!(
    /// Id of a ledger entry.
    EntryId
);

crate::typed_id!(
    /// Id of a stored remittance (owned by the 835 import), as the ledger refers to it.
    RemittanceRef
);

crate::typed_id!(
    /// Id of a posting (one payer decision about one claim, or one manual EOB).
    PostingId
);

/// What a ledger entry records. The sign of each bucket effect is fixed by the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The line's charge: opens the payer bucket.
    Charge,
    /// The payer paid: closes payer balance.
    Payment,
    /// A payer adjustment (CO, OA, PI, CR): closes payer balance.
    Adjustment,
    /// A PR adjustment: moves balance from the payer to the patient (the total is unchanged).
    PatientResponsibility,
    /// Moves the payer balance to the next payer (crossover, forwarded claims).
    TransferToPayer,
    /// Moves the payer balance to the patient (no further payer).
    TransferToPatient,
    /// The patient paid: closes patient balance.
    PatientPayment,
    /// Money given back: reopens the balance it had closed.
    Refund,
    /// Balance written off by the office (with a reason): closes it.
    WriteOff,
}

/// Every kind.
pub const ALL_KINDS: [Kind; 9] = [
    Kind::Charge,
    Kind::Payment,
    Kind::Adjustment,
    Kind::PatientResponsibility,
    Kind::TransferToPayer,
    Kind::TransferToPatient,
    Kind::PatientPayment,
    Kind::Refund,
    Kind::WriteOff,
];

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Charge => "charge",
            Kind::Payment => "payment",
            Kind::Adjustment => "adjustment",
            Kind::PatientResponsibility => "patient_responsibility",
            Kind::TransferToPayer => "transfer_to_payer",
            Kind::TransferToPatient => "transfer_to_patient",
            Kind::PatientPayment => "patient_payment",
            Kind::Refund => "refund",
            Kind::WriteOff => "write_off",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Kind> {
        ALL_KINDS.into_iter().find(|k| k.as_str() == s)
    }

    /// How much of `amount` this kind adds to the line's charge.
    pub fn charged(self, amount: i64) -> i64 {
        if self == Kind::Charge {
            amount
        } else {
            0
        }
    }

    /// How much of `amount` this kind settles (payments, adjustments and write-offs settle;
    /// a refund unsettles; transfers only move balance between buckets).
    pub fn settled(self, amount: i64) -> i64 {
        match self {
            Kind::Payment | Kind::Adjustment | Kind::PatientPayment | Kind::WriteOff => amount,
            Kind::Refund => -amount,
            _ => 0,
        }
    }
}

/// A line's open balance split by who owes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Buckets {
    /// Owed by the claim's payer.
    pub payer_cents: i64,
    /// Owed by the patient.
    pub patient_cents: i64,
    /// Owed by the next payer (forwarded or crossed over).
    pub next_payer_cents: i64,
}

impl Buckets {
    /// The whole open balance.
    pub fn total(&self) -> i64 {
        self.payer_cents + self.patient_cents + self.next_payer_cents
    }

    /// Adds `other` bucket by bucket.
    pub fn add(&mut self, other: &Buckets) {
        self.payer_cents += other.payer_cents;
        self.patient_cents += other.patient_cents;
        self.next_payer_cents += other.next_payer_cents;
    }

    /// The opposite effect (for reversals).
    pub fn negated(&self) -> Buckets {
        Buckets {
            payer_cents: -self.payer_cents,
            patient_cents: -self.patient_cents,
            next_payer_cents: -self.next_payer_cents,
        }
    }
}

/// One claim line's money as summed from the ledger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineBalance {
    /// 1-based line position in the claim snapshot.
    pub line_number: i32,
    /// Sum of charges.
    pub charge_cents: i64,
    /// Sum of payments, adjustments and write-offs, less refunds.
    pub settled_cents: i64,
    /// The open balance by who owes it.
    #[serde(flatten)]
    pub open: Buckets,
}

impl LineBalance {
    /// Applies one entry to the balance.
    pub fn apply(&mut self, e: &PlannedEntry) {
        self.charge_cents += e.kind.charged(e.amount_cents);
        self.settled_cents += e.kind.settled(e.amount_cents);
        self.open.add(&e.effect);
    }

    /// The ledger invariant: charge = settled + open balance.
    pub fn balances(&self) -> bool {
        self.charge_cents == self.settled_cents + self.open.total()
    }
}

/// An entry the pure posting wants written (no ids, no clock).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEntry {
    /// The line.
    pub line_number: i32,
    /// What it records.
    pub kind: Kind,
    /// The amount, positive in the kind's normal direction (negative on a reversal).
    pub amount_cents: i64,
    /// Effect on the line's open buckets.
    pub effect: Buckets,
    /// CAS group (CO, PR, OA, PI, CR) for adjustments.
    pub group_code: Option<String>,
    /// CARC reason for adjustments, or the write-off reason code.
    pub reason_code: Option<String>,
    /// RARC remark codes (on the line's payment entry).
    pub remarks: Vec<String>,
    /// How the line was matched.
    pub matched_by: Option<LineMatch>,
    /// The stored entry this one reverses.
    pub reverses: Option<EntryId>,
}

impl PlannedEntry {
    /// An entry of `kind` for `amount` on `line`, with the kind's own bucket effect.
    pub fn new(line: i32, kind: Kind, amount: i64, effect: Buckets) -> Self {
        PlannedEntry {
            line_number: line,
            kind,
            amount_cents: amount,
            effect,
            group_code: None,
            reason_code: None,
            remarks: Vec::new(),
            matched_by: None,
            reverses: None,
        }
    }
}

/// A denial reason recorded on a line whose balance stays open for a person to work.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedDenial {
    /// The line.
    pub line_number: i32,
    /// CAS group.
    pub group_code: String,
    /// CARC.
    pub reason_code: String,
    /// The amount the payer denied.
    pub amount_cents: i64,
    /// RARC remarks of the line.
    pub remarks: Vec<String>,
}

/// A stored posting.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_postings)]
// None is NULL (no column has a default): SQLite can then insert many rows in one statement;
// with defaultable values diesel inserts one row per statement there.
#[diesel(treat_none_as_default_value = false)]
pub struct PostingRow {
    /// Id.
    pub id: PostingId,
    /// The claim.
    pub claim_id: ClaimId,
    /// The payer.
    pub payer_id: PayerId,
    /// CLP02.
    pub status_code: String,
    /// Check/EFT number or manual reference ('' when none).
    pub payment_ref: String,
    /// The remittance it came from.
    pub remittance_id: Option<RemittanceRef>,
    /// The payer's claim number.
    pub payer_claim_number: Option<String>,
    /// CLP04.
    pub paid_cents: i64,
    /// CLP05.
    pub patient_responsibility_cents: i64,
    /// Payment date.
    pub paid_on: Option<chrono::NaiveDate>,
    /// The posting a reversal undoes.
    pub reverses_posting_id: Option<PostingId>,
    /// When.
    pub created_at: Timestamp,
    /// Who.
    pub created_by: String,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_entries)]
// None is NULL (no column has a default): SQLite can then insert many rows in one statement;
// with defaultable values diesel inserts one row per statement there.
#[diesel(treat_none_as_default_value = false)]
pub struct EntryRow {
    /// Id.
    pub id: EntryId,
    /// The claim.
    pub claim_id: ClaimId,
    /// The line.
    pub line_number: i32,
    /// The posting it belongs to (none for charges and write-offs).
    pub posting_id: Option<PostingId>,
    /// Kind name.
    pub kind: String,
    /// Amount.
    pub amount_cents: i64,
    /// Effect on the payer bucket.
    pub payer_cents: i64,
    /// Effect on the patient bucket.
    pub patient_cents: i64,
    /// Effect on the next-payer bucket.
    pub next_payer_cents: i64,
    /// The payer concerned.
    pub payer_id: Option<PayerId>,
    /// CAS group.
    pub group_code: Option<String>,
    /// CARC or write-off reason code.
    pub reason_code: Option<String>,
    /// RARC remarks, comma-separated.
    pub remark_codes: Option<String>,
    /// How the line was matched.
    pub matched_by: Option<String>,
    /// Free text (the write-off reason).
    pub note: Option<String>,
    /// The entry reversed.
    pub reverses_entry_id: Option<EntryId>,
    /// When.
    pub created_at: Timestamp,
    /// Who.
    pub created_by: String,
}

impl EntryRow {
    /// The bucket effect of the row.
    pub fn effect(&self) -> Buckets {
        Buckets {
            payer_cents: self.payer_cents,
            patient_cents: self.patient_cents,
            next_payer_cents: self.next_payer_cents,
        }
    }
}

/// A stored denial reason.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_denials)]
// None is NULL (no column has a default): SQLite can then insert many rows in one statement;
// with defaultable values diesel inserts one row per statement there.
#[diesel(treat_none_as_default_value = false)]
pub struct DenialRow {
    /// Id.
    pub id: EntryId,
    /// The posting that denied.
    pub posting_id: PostingId,
    /// The claim.
    pub claim_id: ClaimId,
    /// The line.
    pub line_number: i32,
    /// CAS group.
    pub group_code: String,
    /// CARC.
    pub reason_code: String,
    /// Amount denied.
    pub amount_cents: i64,
    /// RARC remarks, comma-separated.
    pub remark_codes: Option<String>,
}
