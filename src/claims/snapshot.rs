//! The immutable snapshot of a claim: everything the 837P needs, copied from the encounter and
//! the records it refers to when the claim is built, stored as JSON and never changed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::frequency::Frequency;
use crate::encounters::model::EncounterDoc;
use crate::encounters::refs::Refs;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::providers::model::Provider;
use crate::x12;

/// Most diagnoses an 837P claim carries (HI).
pub const MAX_DIAGNOSES: usize = 12;

/// A postal address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapAddress {
    /// Street line.
    pub line1: String,
    /// Second line.
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Two-letter state.
    pub state: String,
    /// ZIP code (5 or 9 digits).
    pub postal_code: String,
}

/// A person named on the claim (patient or subscriber).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapPerson {
    /// First name.
    pub first_name: String,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Last name.
    pub last_name: String,
    /// Birth date, when known.
    pub birth_date: Option<NaiveDate>,
    /// F, M or U.
    pub sex: Option<String>,
    /// Address, when known.
    pub address: Option<SnapAddress>,
}

/// The subscriber and the coverage facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapSubscriber {
    /// The insured person.
    pub person: SnapPerson,
    /// Member id.
    pub member_id: String,
    /// Group number.
    pub group_number: Option<String>,
    /// Patient's relationship to the subscriber (18 self, 01 spouse, 19 child, G8 other).
    pub relationship_code: String,
    /// primary, secondary or tertiary.
    pub priority: String,
}

/// The payer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapPayer {
    /// Payer name.
    pub name: String,
    /// EDI payer id.
    pub edi_payer_id: String,
    /// Claim filing indicator (CI, MB, MC, ...).
    pub claim_filing_indicator: String,
}

/// A provider named on the claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapProvider {
    /// NPI.
    pub npi: String,
    /// person or organization.
    pub entity_type: String,
    /// First name (people).
    pub first_name: Option<String>,
    /// Last or organisation name.
    pub last_name: String,
    /// Taxonomy code.
    pub taxonomy: Option<String>,
    /// Employer identification number, digits only.
    pub tax_id: Option<String>,
    /// Address.
    pub address: Option<SnapAddress>,
}

/// One service line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnapLine {
    /// CPT or HCPCS code.
    pub code: String,
    /// Modifiers.
    pub modifiers: Vec<String>,
    /// Units.
    pub units: i32,
    /// Charge for all units, in cents.
    pub charge_cents: i64,
    /// Diagnosis pointers (1-based).
    pub diagnosis_pointers: Vec<i32>,
    /// Date of service of the line.
    pub date_of_service: NaiveDate,
    /// Place of service, when it differs from the claim's.
    pub place_of_service: Option<String>,
    /// NDC (11 digits).
    pub ndc: Option<String>,
    /// NDC quantity.
    pub ndc_quantity: Option<f64>,
    /// NDC unit.
    pub ndc_unit: Option<String>,
}

/// Everything an 837P claim is written from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Snapshot {
    /// The patient.
    pub patient: SnapPerson,
    /// The subscriber and coverage.
    pub subscriber: SnapSubscriber,
    /// The payer.
    pub payer: SnapPayer,
    /// The billing provider.
    pub billing_provider: SnapProvider,
    /// The rendering provider.
    pub rendering_provider: Option<SnapProvider>,
    /// The referring provider.
    pub referring_provider: Option<SnapProvider>,
    /// First date of service.
    pub date_of_service: NaiveDate,
    /// Place of service of the claim.
    pub place_of_service: String,
    /// ICD-10-CM codes with the dot, the first principal (at most 12).
    pub diagnoses: Vec<String>,
    /// Service lines.
    pub lines: Vec<SnapLine>,
    /// Sum of the line charges, in cents.
    pub total_charge_cents: i64,
    /// On a claim billed to a secondary or tertiary payer: the earlier payers' decisions, in
    /// the order they paid (absent on a claim to the first payer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_payers: Vec<crate::cob::model::SnapOtherPayer>,
}

fn address(
    l1: &Option<String>,
    l2: Option<&String>,
    city: &Option<String>,
    st: &Option<String>,
    zip: &Option<String>,
) -> Option<SnapAddress> {
    Some(SnapAddress {
        line1: l1.clone()?,
        line2: l2.cloned(),
        city: city.clone()?,
        state: st.clone()?,
        postal_code: zip.as_ref()?.chars().filter(char::is_ascii_digit).collect(),
    })
}

fn provider(p: &Provider) -> SnapProvider {
    SnapProvider {
        npi: p.npi.clone(),
        entity_type: p.entity_type.clone(),
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        taxonomy: p.taxonomy.clone(),
        tax_id: p
            .tax_id
            .as_ref()
            .map(|t| t.chars().filter(char::is_ascii_digit).collect()),
        address: address(&p.address_line1, None, &p.city, &p.state, &p.postal_code),
    }
}

fn missing(pointer: &str, what: &str) -> FieldError {
    FieldError::new(pointer, "missing", format!("the claim needs {what}"))
}

/// Builds the snapshot of `doc` for the coverage in `refs` (lines on hold are left out).
pub fn build(doc: &EncounterDoc, refs: &Refs) -> DomainResult<Snapshot> {
    let h = &doc.header;
    let mut errors = Vec::new();
    let (Some(coverage), Some(payer)) = (&refs.coverage, &refs.payer) else {
        return Err(DomainError::validation(vec![missing(
            "/coverage_id",
            "a coverage",
        )]));
    };
    let billing = refs.billing.as_ref().map(provider);
    if billing.is_none() {
        errors.push(missing("/billing_provider_id", "a billing provider"));
    }
    if doc.diagnoses.len() > MAX_DIAGNOSES {
        errors.push(FieldError::new(
            "/diagnoses",
            "too_many",
            format!("a claim carries at most {MAX_DIAGNOSES} diagnoses"),
        ));
    }
    let lines: Vec<SnapLine> = doc
        .lines
        .iter()
        .filter(|l| !l.on_hold)
        .map(|l| SnapLine {
            code: l.code.clone(),
            modifiers: l.modifiers.clone(),
            units: l.units,
            charge_cents: l.charge_cents,
            diagnosis_pointers: l.diagnosis_pointers.clone(),
            date_of_service: l.date_of_service.unwrap_or(h.date_of_service),
            place_of_service: l.place_of_service.clone(),
            ndc: l.ndc.clone(),
            ndc_quantity: l.ndc_quantity,
            ndc_unit: l.ndc_unit.clone(),
        })
        .collect();
    if lines.is_empty() {
        errors.push(missing("/lines", "at least one line not on hold"));
    }
    let p = &refs.patient;
    let patient = SnapPerson {
        first_name: p.first_name.clone(),
        middle_name: p.middle_name.clone(),
        last_name: p.last_name.clone(),
        birth_date: Some(p.birth_date),
        sex: Some(p.sex.clone()),
        address: address(
            &p.address_line1,
            p.address_line2.as_ref(),
            &p.city,
            &p.state,
            &p.postal_code,
        ),
    };
    let self_insured = coverage.relationship_code == "18";
    let subscriber_person = if self_insured {
        patient.clone()
    } else {
        SnapPerson {
            first_name: coverage.subscriber_first_name.clone().unwrap_or_default(),
            middle_name: None,
            last_name: coverage.subscriber_last_name.clone().unwrap_or_default(),
            birth_date: coverage.subscriber_birth_date,
            sex: coverage.subscriber_sex.clone(),
            address: None,
        }
    };
    let (Some(billing_provider), true) = (billing, errors.is_empty()) else {
        return Err(DomainError::validation(errors));
    };
    Ok(Snapshot {
        subscriber: SnapSubscriber {
            person: subscriber_person,
            member_id: coverage.member_id.clone(),
            group_number: coverage.group_number.clone(),
            relationship_code: coverage.relationship_code.clone(),
            priority: coverage.priority.clone(),
        },
        patient,
        payer: SnapPayer {
            name: payer.name.clone(),
            edi_payer_id: payer.edi_payer_id.clone(),
            claim_filing_indicator: payer.claim_filing_indicator.clone(),
        },
        billing_provider,
        rendering_provider: refs.rendering.as_ref().map(provider),
        referring_provider: refs.referring.as_ref().map(provider),
        date_of_service: h.date_of_service,
        place_of_service: h.place_of_service.clone().unwrap_or_else(|| "11".into()),
        diagnoses: doc.diagnoses.clone(),
        total_charge_cents: lines.iter().map(|l| l.charge_cents).sum(),
        lines,
        other_payers: Vec::new(),
    })
}

/// The frequency of a claim with the payer's claim number it carries (7 and 8).
pub fn frequency(code: Frequency, payer_claim_number: Option<&str>) -> x12::Frequency {
    match (code, payer_claim_number) {
        (Frequency::Replacement, Some(n)) => x12::Frequency::Replacement {
            payer_claim_number: n.to_string(),
        },
        (Frequency::Void, Some(n)) => x12::Frequency::Void {
            payer_claim_number: n.to_string(),
        },
        _ => x12::Frequency::Original,
    }
}
