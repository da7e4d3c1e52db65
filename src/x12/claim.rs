//! The input snapshot of an 837P interchange: plain data the caller fills from a stored claim.
//!
//! Nothing here knows about the database. Text is given as entered (mixed case is fine: the
//! writer upper-cases names and addresses); identifiers are given as they must appear.
//! Money is integer cents, dates are calendar dates.

use chrono::{NaiveDate, NaiveDateTime};

/// ISA15: whether the interchange is test or production data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Usage {
    /// `T`: test data.
    Test,
    /// `P`: production data.
    Production,
}

/// The ISA/GS envelope: who sends to whom, control numbers chosen (and persisted) by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// ISA05 interchange sender id qualifier (`ZZ` mutually defined, `30` federal tax id, ...).
    pub sender_qualifier: String,
    /// ISA06 interchange sender id (at most 15 characters; padded by the writer).
    pub sender_id: String,
    /// ISA07 interchange receiver id qualifier.
    pub receiver_qualifier: String,
    /// ISA08 interchange receiver id (at most 15 characters).
    pub receiver_id: String,
    /// GS02 application sender code (2 to 15 characters).
    pub application_sender: String,
    /// GS03 application receiver code (2 to 15 characters).
    pub application_receiver: String,
    /// ISA13 interchange control number, 1 to 999,999,999, unique per sender.
    pub interchange_control_number: u32,
    /// GS06 group control number, 1 to 999,999,999.
    pub group_control_number: u32,
    /// ISA14: ask the receiver for a TA1 interchange acknowledgment.
    pub acknowledgment_requested: bool,
    /// ISA15 test or production.
    pub usage: Usage,
    /// ISA09/ISA10, GS04/GS05 and BHT04/BHT05: when the file was made.
    pub created_at: NaiveDateTime,
}

/// One transaction set (ST..SE): the claims of one submitter to one receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// ST02 transaction set control number, 1 to 999,999,999 (written with at least 4 digits).
    pub control_number: u32,
    /// BHT03 originator application transaction identifier (the batch reference, 1 to 50
    /// characters).
    pub reference: String,
    /// Loop 1000A.
    pub submitter: Submitter,
    /// Loop 1000B.
    pub receiver: Receiver,
    /// The claims; the writer groups them under billing provider, subscriber and patient levels.
    pub claims: Vec<ClaimSnapshot>,
}

/// Loop 1000A: the submitter (the office or its clearinghouse account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitter {
    /// NM103 organisation name, or last name when `first_name` is set.
    pub name: String,
    /// NM104, for a person submitter.
    pub first_name: Option<String>,
    /// NM109 electronic transmitter identification number (qualifier 46).
    pub id: String,
    /// PER02 contact name.
    pub contact_name: String,
    /// PER TE: phone number, digits only (10 digits for US numbers).
    pub contact_phone: Option<String>,
    /// PER EM: email address.
    pub contact_email: Option<String>,
}

/// Loop 1000B: the receiver (clearinghouse or payer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver {
    /// NM103 organisation name.
    pub name: String,
    /// NM109 receiver primary identifier (qualifier 46).
    pub id: String,
}

/// A postal address (N3/N4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// N301.
    pub line1: String,
    /// N302.
    pub line2: Option<String>,
    /// N401.
    pub city: String,
    /// N402 two-letter state or province code.
    pub state: String,
    /// N403 ZIP code, 5 or 9 digits (the billing provider needs 9).
    pub postal_code: String,
}

/// A person's or an organisation's name in NM1.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Name {
    /// NM102 = 1.
    Person {
        /// NM103.
        last: String,
        /// NM104.
        first: String,
        /// NM105.
        middle: Option<String>,
        /// NM107 (`JR`, `III`, ...).
        suffix: Option<String>,
    },
    /// NM102 = 2.
    Organization(String),
}

/// Administrative sex in DMG03.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `F`.
    Female,
    /// `M`.
    Male,
    /// `U`.
    Unknown,
}

/// A person's demographics (DMG).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Demographics {
    /// DMG02 date of birth.
    pub birth_date: NaiveDate,
    /// DMG03.
    pub sex: Sex,
}

/// Loop 2000A/2010AA: the billing provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BillingProvider {
    /// NM1*85 name: organisation or person.
    pub name: Name,
    /// NM109 NPI (10 digits).
    pub npi: String,
    /// N3/N4: a street address (no post office box), with a 9-digit ZIP code.
    pub address: Address,
    /// REF*EI employer identification number (9 digits, no dash).
    pub ein: String,
    /// PRV*BI*PXC taxonomy code (10 characters), when the payer needs it.
    pub taxonomy: Option<String>,
}

/// SBR01: the payer's responsibility sequence for this claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Responsibility {
    /// `P`.
    Primary,
    /// `S`.
    Secondary,
    /// `T`.
    Tertiary,
}

/// Loop 2000B/2010BA: the subscriber (the insured person) and the coverage facts in SBR.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subscriber {
    /// SBR01.
    pub responsibility: Responsibility,
    /// SBR03 group or policy number.
    pub group_number: Option<String>,
    /// SBR09 claim filing indicator (`CI` commercial, `MB` Medicare Part B, `MC` Medicaid, ...).
    pub claim_filing_indicator: String,
    /// NM1*IL name (a person).
    pub name: Name,
    /// NM109 member id (qualifier MI).
    pub member_id: String,
    /// N3/N4, required by the guide when the subscriber is the patient.
    pub address: Option<Address>,
    /// DMG: required when the subscriber is the patient, and written only then.
    pub demographics: Option<Demographics>,
}

/// Loop 2010BB: the payer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Payer {
    /// NM103 payer name.
    pub name: String,
    /// NM109 payer identifier (qualifier PI).
    pub payer_id: String,
}

/// Loop 2000C/2010CA: the patient, when the patient is not the subscriber.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Patient {
    /// PAT01 individual relationship code to the subscriber (`01` spouse, `19` child,
    /// `20` employee, `21` unknown, `39` organ donor, `40` cadaver donor, `53` life partner,
    /// `G8` other).
    pub relationship_code: String,
    /// NM1*QC name (a person).
    pub name: Name,
    /// N3/N4.
    pub address: Address,
    /// DMG.
    pub demographics: Demographics,
}

/// CLM05-3: claim frequency type code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// `1`: original claim.
    Original,
    /// `7`: replacement of a prior claim; carries the payer's claim control number (REF*F8).
    Replacement {
        /// The payer's claim control number of the claim replaced.
        payer_claim_number: String,
    },
    /// `8`: void of a prior claim; carries the payer's claim control number (REF*F8).
    Void {
        /// The payer's claim control number of the claim voided.
        payer_claim_number: String,
    },
}

/// CLM07: whether the provider accepts assignment (Medicare).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assignment {
    /// `A`: assigned.
    Assigned,
    /// `B`: assignment accepted on clinical lab services only.
    LabServicesOnly,
    /// `C`: not assigned.
    NotAssigned,
}

/// CLM08: benefits assignment certification (does the insured authorise payment to the
/// provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BenefitsAssignment {
    /// `Y`.
    Yes,
    /// `N`.
    No,
    /// `W`: not applicable (patient refuses to assign benefits).
    NotApplicable,
}

/// CLM09: release of information code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseOfInformation {
    /// `Y`: signed statement on file.
    Yes,
    /// `I`: informed consent, limited to what the claim needs.
    Informed,
}

/// A provider named on a claim (2310A referring, 2310B rendering): a person with an NPI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimProvider {
    /// NM103 last name.
    pub last_name: String,
    /// NM104 first name.
    pub first_name: String,
    /// NM109 NPI (10 digits).
    pub npi: String,
    /// PRV*PE*PXC taxonomy (rendering only; ignored for referring).
    pub taxonomy: Option<String>,
}

/// A drug identification for a service line (2410 LIN/CTP).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Drug {
    /// LIN03 NDC in 5-4-2 form, 11 digits, no dashes.
    pub ndc: String,
    /// CTP04 quantity in thousandths (2.5 units = 2500).
    pub quantity_thousandths: u64,
    /// CTP05-1 unit: `UN` unit, `ML`, `GR`, `F2` international unit, `ME` milligram.
    pub unit: String,
}

/// Loop 2400: one service line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceLine {
    /// SV101-2: CPT or HCPCS code (qualifier HC).
    pub procedure_code: String,
    /// SV101-3..6: up to 4 two-character modifiers.
    pub modifiers: Vec<String>,
    /// SV102 line charge in cents.
    pub charge_cents: i64,
    /// SV104 units (UN).
    pub units: u32,
    /// SV105, written only when it differs from the claim's place of service.
    pub place_of_service: Option<String>,
    /// SV107: 1 to 4 diagnosis pointers (1-based positions in the claim's diagnoses).
    pub diagnosis_pointers: Vec<u8>,
    /// DTP*472 date of service.
    pub date_of_service: NaiveDate,
    /// 2410 drug identification, when the line is a drug.
    pub drug: Option<Drug>,
}

/// Loop 2300: the claim itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Claim {
    /// CLM01 patient control number (1 to 38 characters; unique per office).
    pub patient_control_number: String,
    /// CLM02 total charge in cents: must equal the sum of the lines.
    pub total_charge_cents: i64,
    /// CLM05-1 place of service (2-digit CMS code).
    pub place_of_service: String,
    /// CLM05-3, with the payer's claim number for 7 and 8.
    pub frequency: Frequency,
    /// CLM06 provider signature on file.
    pub provider_signature_on_file: bool,
    /// CLM07.
    pub assignment: Assignment,
    /// CLM08.
    pub benefits_assignment: BenefitsAssignment,
    /// CLM09.
    pub release_of_information: ReleaseOfInformation,
    /// HI: 1 to 12 ICD-10-CM codes, the first principal (ABK), without the dot (a dot is
    /// removed by the writer).
    pub diagnoses: Vec<String>,
    /// 2310A referring provider (NM1*DN).
    pub referring_provider: Option<ClaimProvider>,
    /// 2310B rendering provider (NM1*82), when it differs from the billing provider.
    pub rendering_provider: Option<ClaimProvider>,
    /// Loop 2400: 1 to 50 service lines.
    pub lines: Vec<ServiceLine>,
    /// Loops 2320/2330A/2330B/2430: earlier payers' decisions, in the order they paid (empty
    /// on a claim to the first payer).
    pub other_payers: Vec<super::cob::OtherPayer>,
}

/// Everything one claim needs, as snapshotted when the claim was built. The writer groups
/// snapshots with equal billing providers, and equal subscriber and payer, under one HL each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimSnapshot {
    /// 2000A/2010AA.
    pub billing_provider: BillingProvider,
    /// 2000B/2010BA.
    pub subscriber: Subscriber,
    /// 2010BB.
    pub payer: Payer,
    /// 2000C/2010CA; `None` when the patient is the subscriber.
    pub patient: Option<Patient>,
    /// 2300 and below.
    pub claim: Claim,
}
