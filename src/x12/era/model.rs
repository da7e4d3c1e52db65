//! The typed result of reading an 835: payments (one per ST/SE), their claims, lines,
//! adjustments and provider-level adjustments. All money is integer cents, signed as received
//! (a reversal's amounts are negative).
//!
//! These values hold PHI (patient names, member ids): never log them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::balance::BalanceCheck;

/// A whole 835 interchange, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remittance {
    /// ISA06, the sender (the payer or its clearinghouse), trimmed.
    pub sender_id: String,
    /// ISA08, the receiver, trimmed.
    pub receiver_id: String,
    /// ISA13, the interchange control number: with a payment's trace number, what makes a
    /// payment unique for the import.
    pub interchange_control_number: String,
    /// One per 835 transaction set, in file order.
    pub payments: Vec<Payment>,
    /// Deviations that did not stop the reading (see [`Warning`]).
    pub warnings: Vec<Warning>,
}

/// Something in the file that does not follow the guide but did not make it unsafe to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// 1-based position of the segment in the interchange (ISA is 1).
    pub segment_position: usize,
    /// The segment id (`BPR`, `SVC`, ...).
    pub segment_id: String,
    /// What is wrong, in words.
    pub message: String,
}

/// One payment: an 835 transaction set (ST..SE) with its BPR and TRN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// ST02.
    pub transaction_control_number: String,
    /// BPR01: C payment with remittance, H notification only, I remittance only, ...
    pub handling_code: String,
    /// BPR02: the total actual provider payment, in cents.
    pub amount_cents: i64,
    /// BPR03: C credit, D debit.
    pub credit_debit: String,
    /// BPR04: ACH, CHK, BOP, FWT, NON.
    pub method: String,
    /// BPR16: the check issue or EFT effective date.
    pub payment_date: Option<NaiveDate>,
    /// TRN02: the check or EFT trace number.
    pub trace_number: String,
    /// TRN03: the payer's identifier (a 1 followed by its EIN, usually).
    pub trace_originator: Option<String>,
    /// DTM*405: the production date.
    pub production_date: Option<NaiveDate>,
    /// Loop 1000A (N1*PR).
    pub payer: Party,
    /// Loop 1000B (N1*PE).
    pub payee: Party,
    /// Every CLP in the set, in file order.
    pub claims: Vec<ClaimPayment>,
    /// PLB provider-level adjustments, one entry per reason/amount pair.
    pub provider_adjustments: Vec<ProviderAdjustment>,
    /// The balancing checks of this payment.
    pub balance: BalanceCheck,
}

/// A payer or payee (N1 loop).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// N102.
    pub name: String,
    /// N103: XV, FI, XX, PI, ...
    pub id_qualifier: Option<String>,
    /// N104.
    pub id: Option<String>,
    /// REF segments of the loop (payer 2U/EO/HI/NF, payee TJ/PQ/0B, ...).
    pub references: Vec<Reference>,
    /// N3/N4.
    pub address: Option<Address>,
}

/// A REF segment: qualifier and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// REF01.
    pub qualifier: String,
    /// REF02.
    pub value: String,
}

/// An N3/N4 address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// N301, N302.
    pub lines: Vec<String>,
    /// N401.
    pub city: String,
    /// N402.
    pub state: Option<String>,
    /// N403.
    pub postal_code: Option<String>,
}

/// A dated qualifier (DTM): 036, 050, 232, 233, 472, 150, 151, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRef {
    /// DTM01.
    pub qualifier: String,
    /// DTM02.
    pub date: NaiveDate,
}

/// An AMT (AU coverage amount, B6 allowed, DY per day limit, I interest, ...) or supplemental
/// amount, in cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// AMT01.
    pub qualifier: String,
    /// AMT02 in cents.
    pub cents: i64,
}

/// One reason/amount/quantity triplet of a CAS segment, with the segment's group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// CAS01: CO, PR, OA, PI, CR.
    pub group: String,
    /// The claim adjustment reason code (CARC).
    pub reason: String,
    /// The amount, in cents (negative in a reversal, or when the payer pays more).
    pub amount_cents: i64,
    /// The quantity, as received (units adjusted), when given.
    pub quantity: Option<String>,
}

/// An NM1 of the claim loop: QC patient, IL insured, 74 corrected insured, 82 rendering
/// provider, TT crossover carrier, PR corrected payer, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// NM101.
    pub role: String,
    /// NM103: last or organisation name.
    pub last_name: Option<String>,
    /// NM104.
    pub first_name: Option<String>,
    /// NM105.
    pub middle_name: Option<String>,
    /// NM108.
    pub id_qualifier: Option<String>,
    /// NM109.
    pub id: Option<String>,
}

/// A procedure composite (SVC01 or SVC06): qualifier, code, up to four modifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    /// HC, AD, ER, IV, N4, NU, WK, ZZ, ...
    pub qualifier: String,
    /// The code.
    pub code: String,
    /// Modifiers, in order.
    pub modifiers: Vec<String>,
}

/// A remark code: LQ (HE = RARC, RX = NCPDP reject code) or an MIA/MOA remark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remark {
    /// HE, RX, or the MIA/MOA segment id.
    pub qualifier: String,
    /// The code (N130, M15, MA130, ...).
    pub code: String,
}

/// One claim payment (loop 2100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimPayment {
    /// LX01 of the header this claim sits under, when any.
    pub header_number: Option<String>,
    /// CLP01: our CLM01.
    pub patient_control_number: String,
    /// CLP02: 1 primary, 2 secondary, 3 tertiary, 4 denied, 19/20/21 processed and forwarded,
    /// 22 reversal of previous payment, 23 not our claim, forwarded, 25 predetermination.
    pub status_code: String,
    /// CLP03, cents.
    pub charge_cents: i64,
    /// CLP04, cents.
    pub paid_cents: i64,
    /// CLP05, cents.
    pub patient_responsibility_cents: Option<i64>,
    /// CLP06: MB, MC, CI, BL, 12, ...
    pub filing_indicator: Option<String>,
    /// CLP07: the payer's claim control number.
    pub payer_claim_number: Option<String>,
    /// CLP08: facility type (place of service for professional claims).
    pub facility_type: Option<String>,
    /// CLP09: claim frequency.
    pub frequency: Option<String>,
    /// Claim-level CAS triplets.
    pub adjustments: Vec<Adjustment>,
    /// NM1 segments of the claim (QC, IL, 74, 82, TT, PR, ...).
    pub entities: Vec<Entity>,
    /// MIA/MOA remark codes.
    pub remarks: Vec<Remark>,
    /// Claim-level REF (1L group, EA medical record, F8 original reference, ...).
    pub references: Vec<Reference>,
    /// Claim-level DTM (036, 050, 232, 233).
    pub dates: Vec<DateRef>,
    /// Claim-level AMT (AU, DY, F5, I, ...).
    pub amounts: Vec<Amount>,
    /// Service lines (loop 2110), in file order.
    pub lines: Vec<LinePayment>,
}

/// One service line payment (loop 2110).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePayment {
    /// SVC01: the procedure as adjudicated.
    pub procedure: Procedure,
    /// SVC02: the line charge, cents.
    pub charge_cents: i64,
    /// SVC03: the line payment, cents.
    pub paid_cents: i64,
    /// SVC04: NUBC revenue code.
    pub revenue_code: Option<String>,
    /// SVC05: units paid, as received.
    pub units_paid: Option<String>,
    /// SVC06: the procedure as billed, when the payer changed it.
    pub original_procedure: Option<Procedure>,
    /// SVC07: units billed, when different.
    pub original_units: Option<String>,
    /// Line DTM (472, 150, 151).
    pub dates: Vec<DateRef>,
    /// Line CAS triplets.
    pub adjustments: Vec<Adjustment>,
    /// REF*6R: our line item control number.
    pub line_item_control_number: Option<String>,
    /// Other line REFs (LU location, 1B/HPI rendering ids, ...), 6R included.
    pub references: Vec<Reference>,
    /// Line AMT (B6 allowed, KH late filing reduction, T tax, ...).
    pub amounts: Vec<Amount>,
    /// LQ remark codes.
    pub remarks: Vec<Remark>,
}

/// One reason/amount pair of a PLB segment. A positive amount reduces the payment (the provider
/// owes it: a levy, a forwarding balance); a negative one increases it (interest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProviderAdjustment {
    /// PLB01: the provider's identifier.
    pub provider_id: String,
    /// PLB02: the end of the provider's fiscal period.
    pub fiscal_period_date: Option<NaiveDate>,
    /// The adjustment reason (L6 interest, FB forwarding balance, WO overpayment recovery, LS
    /// lump sum, 72 authorized return, CS adjustment, ...).
    pub reason: String,
    /// The reference (e.g. the claim the recovery is for), when given.
    pub reference: Option<String>,
    /// The amount in cents.
    pub amount_cents: i64,
}

impl LinePayment {
    /// The date of service of the line: DTM*472, else DTM*150 (period start).
    pub fn service_date(&self) -> Option<NaiveDate> {
        ["472", "150"].iter().find_map(|q| {
            self.dates
                .iter()
                .find(|d| d.qualifier == *q)
                .map(|d| d.date)
        })
    }
}

impl ClaimPayment {
    /// The CAS triplets of the claim and all its lines.
    pub fn all_adjustments(&self) -> impl Iterator<Item = &Adjustment> {
        self.adjustments
            .iter()
            .chain(self.lines.iter().flat_map(|l| l.adjustments.iter()))
    }
}
