//! From a stored snapshot to the x12 writer's input, and the envelope of an interchange.

use chrono::NaiveDateTime;

use super::settings::SubmitterSettings;
use super::snapshot::{SnapAddress, SnapPerson, SnapProvider, Snapshot};
use crate::x12::{self, Name};

fn address(a: &SnapAddress) -> x12::Address {
    x12::Address {
        line1: a.line1.clone(),
        line2: a.line2.clone(),
        city: a.city.clone(),
        state: a.state.clone(),
        postal_code: a.postal_code.clone(),
    }
}

fn empty_address() -> x12::Address {
    x12::Address {
        line1: String::new(),
        line2: None,
        city: String::new(),
        state: String::new(),
        postal_code: String::new(),
    }
}

fn person_name(p: &SnapPerson) -> Name {
    Name::Person {
        last: p.last_name.clone(),
        first: p.first_name.clone(),
        middle: p.middle_name.clone(),
        suffix: None,
    }
}

fn sex(s: Option<&str>) -> x12::Sex {
    match s {
        Some("F") => x12::Sex::Female,
        Some("M") => x12::Sex::Male,
        _ => x12::Sex::Unknown,
    }
}

fn demographics(p: &SnapPerson) -> Option<x12::Demographics> {
    p.birth_date.map(|birth_date| x12::Demographics {
        birth_date,
        sex: sex(p.sex.as_deref()),
    })
}

fn claim_provider(p: &SnapProvider) -> x12::ClaimProvider {
    x12::ClaimProvider {
        last_name: p.last_name.clone(),
        first_name: p.first_name.clone().unwrap_or_default(),
        npi: p.npi.clone(),
        taxonomy: p.taxonomy.clone(),
    }
}

fn billing(p: &SnapProvider) -> x12::BillingProvider {
    let name = match (&p.first_name, p.entity_type.as_str()) {
        (Some(first), "person") => Name::Person {
            last: p.last_name.clone(),
            first: first.clone(),
            middle: None,
            suffix: None,
        },
        _ => Name::Organization(p.last_name.clone()),
    };
    x12::BillingProvider {
        name,
        npi: p.npi.clone(),
        address: p.address.as_ref().map_or_else(empty_address, address),
        ein: p.tax_id.clone().unwrap_or_default(),
        taxonomy: p.taxonomy.clone(),
    }
}

/// The writer's input for one claim.
pub fn claim(s: &Snapshot, pcn: &str, frequency: x12::Frequency) -> x12::ClaimSnapshot {
    let self_insured = s.subscriber.relationship_code == "18";
    let responsibility = match s.subscriber.priority.as_str() {
        "secondary" => x12::Responsibility::Secondary,
        "tertiary" => x12::Responsibility::Tertiary,
        _ => x12::Responsibility::Primary,
    };
    let sub = &s.subscriber.person;
    let subscriber = x12::Subscriber {
        responsibility,
        group_number: s.subscriber.group_number.clone(),
        claim_filing_indicator: s.payer.claim_filing_indicator.clone(),
        name: person_name(sub),
        member_id: s.subscriber.member_id.clone(),
        address: if self_insured {
            sub.address.as_ref().map(address)
        } else {
            None
        },
        demographics: if self_insured {
            demographics(sub)
        } else {
            None
        },
    };
    let patient = (!self_insured).then(|| x12::Patient {
        relationship_code: s.subscriber.relationship_code.clone(),
        name: person_name(&s.patient),
        address: s
            .patient
            .address
            .as_ref()
            .map_or_else(empty_address, address),
        demographics: demographics(&s.patient).unwrap_or(x12::Demographics {
            birth_date: s.date_of_service,
            sex: x12::Sex::Unknown,
        }),
    });
    // 2310B is written only when the rendering provider is not the billing provider.
    let rendering = s
        .rendering_provider
        .as_ref()
        .filter(|r| r.npi != s.billing_provider.npi)
        .map(claim_provider);
    x12::ClaimSnapshot {
        billing_provider: billing(&s.billing_provider),
        subscriber,
        payer: x12::Payer {
            name: s.payer.name.clone(),
            payer_id: s.payer.edi_payer_id.clone(),
        },
        patient,
        claim: x12::Claim {
            patient_control_number: pcn.to_string(),
            total_charge_cents: s.total_charge_cents,
            place_of_service: s.place_of_service.clone(),
            frequency,
            provider_signature_on_file: true,
            assignment: x12::Assignment::Assigned,
            benefits_assignment: x12::BenefitsAssignment::Yes,
            release_of_information: x12::ReleaseOfInformation::Yes,
            diagnoses: s.diagnoses.clone(),
            referring_provider: s.referring_provider.as_ref().map(claim_provider),
            rendering_provider: rendering,
            lines: s
                .lines
                .iter()
                .map(|l| x12::ServiceLine {
                    procedure_code: l.code.clone(),
                    modifiers: l.modifiers.clone(),
                    charge_cents: l.charge_cents,
                    units: u32::try_from(l.units).unwrap_or(0),
                    place_of_service: l
                        .place_of_service
                        .clone()
                        .filter(|p| *p != s.place_of_service),
                    diagnosis_pointers: l
                        .diagnosis_pointers
                        .iter()
                        .map(|p| u8::try_from(*p).unwrap_or(0))
                        .collect(),
                    date_of_service: l.date_of_service,
                    drug: match (&l.ndc, l.ndc_quantity, &l.ndc_unit) {
                        (Some(ndc), Some(q), Some(unit)) => Some(x12::Drug {
                            ndc: ndc.clone(),
                            quantity_thousandths: (q * 1000.0).round().max(0.0) as u64,
                            unit: unit.clone(),
                        }),
                        _ => None,
                    },
                })
                .collect(),
            other_payers: s
                .other_payers
                .iter()
                .map(crate::cob::to_x12::other_payer)
                .collect(),
        },
    }
}

/// The envelope of an interchange with control number `control` (ISA13, GS06).
pub fn envelope(cfg: &SubmitterSettings, control: u32, at: NaiveDateTime) -> x12::Envelope {
    x12::Envelope {
        sender_qualifier: cfg.sender_qualifier.clone(),
        sender_id: cfg.sender_id.clone(),
        receiver_qualifier: cfg.receiver_qualifier.clone(),
        receiver_id: cfg.receiver_id.clone(),
        application_sender: cfg.sender_id.clone(),
        application_receiver: cfg.receiver_id.clone(),
        interchange_control_number: control,
        group_control_number: control,
        acknowledgment_requested: false,
        usage: if cfg.production {
            x12::Usage::Production
        } else {
            x12::Usage::Test
        },
        created_at: at,
    }
}

/// One transaction set holding `claims`, with ST02 `control`.
pub fn transaction(
    cfg: &SubmitterSettings,
    control: u32,
    reference: &str,
    claims: Vec<x12::ClaimSnapshot>,
) -> x12::Transaction {
    x12::Transaction {
        control_number: control,
        reference: reference.to_string(),
        submitter: x12::Submitter {
            name: cfg.submitter_name.clone(),
            first_name: None,
            id: cfg.sender_id.clone(),
            contact_name: cfg.contact_name.clone(),
            contact_phone: Some(cfg.contact_phone.clone()),
            contact_email: None,
        },
        receiver: x12::Receiver {
            name: cfg.receiver_name.clone(),
            id: cfg.receiver_id.clone(),
        },
        claims,
    }
}

/// Writes one claim alone as an interchange (the preview of `GET /v1/claims/{id}/837`, and
/// the check at creation that the claim can be written at all); `line_breaks` puts a line
/// break after each segment but the last (the `x12_line_breaks` setting).
pub fn preview(
    cfg: &SubmitterSettings,
    claim: x12::ClaimSnapshot,
    at: NaiveDateTime,
    line_breaks: bool,
) -> Result<String, x12::X12Error> {
    let env = envelope(cfg, 1, at);
    let t = transaction(cfg, 1, "PREVIEW", vec![claim]);
    x12::write_837p(&env, &[t], x12::WriteOptions { line_breaks })
}
