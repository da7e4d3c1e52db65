//! Example snapshots (fictional people, valid NPIs) for tests, benchmarks and documentation.
//! Nothing in the service uses them.

use chrono::{NaiveDate, NaiveDateTime};

use super::claim::*;
use super::cob::{CasAdjustment, LinePayment, OtherPayer};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    date(y, m, d).and_hms_opt(h, min, 0).unwrap_or_default()
}

/// Twelve billable ICD-10-CM codes (written with the dot, as people enter them).
pub const DIAGNOSES: [&str; 12] = [
    "E11.9", "I10", "J06.9", "M54.50", "R05.9", "Z00.00", "E78.5", "K21.9", "F41.1", "N39.0",
    "R51.9", "J45.909",
];

/// Procedure codes cycled through by [`lines`].
pub const PROCEDURES: [&str; 8] = [
    "99213", "36415", "80053", "85025", "93000", "81002", "87880", "90471",
];

/// A test envelope with the given ISA13 (GS06 is the same number).
pub fn envelope(control_number: u32) -> Envelope {
    Envelope {
        sender_qualifier: "ZZ".into(),
        sender_id: "MEDBILLSUB".into(),
        receiver_qualifier: "ZZ".into(),
        receiver_id: "CLEARHOUSE".into(),
        application_sender: "MEDBILLSUB".into(),
        application_receiver: "CLEARHOUSE".into(),
        interchange_control_number: control_number,
        group_control_number: control_number,
        acknowledgment_requested: false,
        usage: Usage::Test,
        created_at: at(2025, 3, 14, 9, 30),
    }
}

/// A transaction set of the given claims.
pub fn transaction(control_number: u32, claims: Vec<ClaimSnapshot>) -> Transaction {
    Transaction {
        control_number,
        reference: format!("BATCH{control_number}"),
        submitter: Submitter {
            name: "Maple Street Family Practice".into(),
            first_name: None,
            id: "MEDBILLSUB".into(),
            contact_name: "Billing Office".into(),
            contact_phone: Some("5035550100".into()),
            contact_email: Some("billing@maple.example".into()),
        },
        receiver: Receiver {
            name: "Example Clearinghouse".into(),
            id: "CLEARHOUSE".into(),
        },
        claims,
    }
}

/// The billing provider of the samples.
pub fn billing_provider() -> BillingProvider {
    BillingProvider {
        name: Name::Organization("Maple Street Family Practice".into()),
        npi: "1234567893".into(),
        address: Address {
            line1: "100 Maple St".into(),
            line2: Some("Suite 2".into()),
            city: "Portland".into(),
            state: "OR".into(),
            postal_code: "972011234".into(),
        },
        ein: "931234567".into(),
        taxonomy: Some("207Q00000X".into()),
    }
}

/// `n` service lines on 2025-03-10, $100.00 + $1 per line, pointing at the first diagnosis.
pub fn lines(n: usize) -> Vec<ServiceLine> {
    (0..n)
        .map(|i| ServiceLine {
            procedure_code: PROCEDURES[i % PROCEDURES.len()].into(),
            modifiers: Vec::new(),
            charge_cents: 10_000 + 100 * i as i64,
            units: 1,
            place_of_service: None,
            diagnosis_pointers: vec![1],
            date_of_service: date(2025, 3, 10),
            drug: None,
        })
        .collect()
}

/// Claim `n`: the patient is the subscriber, one diagnosis, one line.
pub fn snapshot(n: usize) -> ClaimSnapshot {
    let lines = lines(1);
    ClaimSnapshot {
        billing_provider: billing_provider(),
        subscriber: Subscriber {
            responsibility: Responsibility::Primary,
            group_number: Some("GRP1001".into()),
            claim_filing_indicator: "CI".into(),
            name: Name::Person {
                last: "Rivera".into(),
                first: "Ana".into(),
                middle: Some("M".into()),
                suffix: None,
            },
            member_id: format!("MBR{n:07}"),
            address: Some(Address {
                line1: "12 Oak Ave".into(),
                line2: None,
                city: "Portland".into(),
                state: "OR".into(),
                postal_code: "97202".into(),
            }),
            demographics: Some(Demographics {
                birth_date: date(1980, 5, 17),
                sex: Sex::Female,
            }),
        },
        payer: Payer {
            name: "Acme Health Plan".into(),
            payer_id: "ACME1".into(),
        },
        patient: None,
        claim: Claim {
            patient_control_number: format!("PCN{n:08}"),
            total_charge_cents: lines.iter().map(|l| l.charge_cents).sum(),
            place_of_service: "11".into(),
            frequency: Frequency::Original,
            provider_signature_on_file: true,
            assignment: Assignment::Assigned,
            benefits_assignment: BenefitsAssignment::Yes,
            release_of_information: ReleaseOfInformation::Yes,
            diagnoses: vec![DIAGNOSES[0].into()],
            referring_provider: None,
            rendering_provider: None,
            lines,
            other_payers: Vec::new(),
        },
    }
}

/// Makes the patient a dependent child of the subscriber.
pub fn with_dependent(mut s: ClaimSnapshot) -> ClaimSnapshot {
    s.patient = Some(Patient {
        relationship_code: "19".into(),
        name: Name::Person {
            last: "Rivera".into(),
            first: "Leo".into(),
            middle: None,
            suffix: None,
        },
        address: Address {
            line1: "12 Oak Ave".into(),
            line2: None,
            city: "Portland".into(),
            state: "OR".into(),
            postal_code: "97202".into(),
        },
        demographics: Demographics {
            birth_date: date(2015, 9, 2),
            sex: Sex::Male,
        },
    });
    s
}

/// Sets `n` diagnoses and `m` lines (pointers cycle over the diagnoses, up to 4 per line) and
/// fixes the total.
pub fn with_size(mut s: ClaimSnapshot, n: usize, m: usize) -> ClaimSnapshot {
    s.claim.diagnoses = DIAGNOSES.iter().take(n).map(|d| d.to_string()).collect();
    s.claim.lines = lines(m);
    for (i, l) in s.claim.lines.iter_mut().enumerate() {
        l.diagnosis_pointers = (0..n.min(4)).map(|k| ((i + k) % n + 1) as u8).collect();
    }
    s.claim.total_charge_cents = s.claim.lines.iter().map(|l| l.charge_cents).sum();
    s
}

/// A rendering provider (with taxonomy) and a referring provider.
pub fn with_providers(mut s: ClaimSnapshot) -> ClaimSnapshot {
    s.claim.rendering_provider = Some(ClaimProvider {
        last_name: "Chen".into(),
        first_name: "Wei".into(),
        npi: "9876543213".into(),
        taxonomy: Some("207Q00000X".into()),
    });
    s.claim.referring_provider = Some(ClaimProvider {
        last_name: "Okafor".into(),
        first_name: "Ngozi".into(),
        npi: "1112223338".into(),
        taxonomy: None,
    });
    s
}

fn cas(group: &str, reason: &str, amount_cents: i64) -> CasAdjustment {
    CasAdjustment {
        group: group.into(),
        reason: reason.into(),
        amount_cents,
    }
}

/// The claim's first payer (Acme, as in [`snapshot`]) as an earlier payer: no line decisions.
fn acme_as_other(s: &ClaimSnapshot) -> OtherPayer {
    OtherPayer {
        responsibility: Responsibility::Primary,
        relationship_code: s
            .patient
            .as_ref()
            .map_or("18".into(), |p| p.relationship_code.clone()),
        group_number: s.subscriber.group_number.clone(),
        claim_filing_indicator: s.subscriber.claim_filing_indicator.clone(),
        claim_adjustments: Vec::new(),
        paid_cents: 0,
        remaining_patient_liability_cents: None,
        remarks: Vec::new(),
        benefits_assigned: true,
        subscriber_name: s.subscriber.name.clone(),
        subscriber_member_id: s.subscriber.member_id.clone(),
        payer: s.payer.clone(),
        payer_claim_number: Some("ACME2025031400017".into()),
        adjudicated_on: date(2025, 4, 2),
        lines: Vec::new(),
    }
}

/// Sends `s` to the next payer (Beacon Mutual), as `responsibility`.
fn to_next_payer(s: &mut ClaimSnapshot, responsibility: Responsibility) {
    s.subscriber.responsibility = responsibility;
    s.subscriber.member_id = "BCN55501".into();
    s.subscriber.group_number = Some("BG77".into());
    s.payer = Payer {
        name: "Beacon Mutual".into(),
        payer_id: "BCN22".into(),
    };
}

/// The line decision: 60 % paid, 20 % contractual (CO 45), the rest deductible (PR 1).
fn partial_line(number: usize, l: &ServiceLine, on: NaiveDate) -> LinePayment {
    let paid = l.charge_cents * 6 / 10;
    let co = l.charge_cents / 5;
    LinePayment {
        line_number: number,
        paid_cents: paid,
        procedure_code: l.procedure_code.clone(),
        modifiers: l.modifiers.clone(),
        units_paid: l.units,
        adjustments: vec![
            cas("CO", "45", co),
            cas("PR", "1", l.charge_cents - paid - co),
        ],
        adjudicated_on: on,
    }
}

/// `s` billed to a secondary payer after the primary paid part of every line (CO 45, PR 1),
/// with the patient's remaining liability (AMT*EAF).
pub fn secondary_after_partial(mut s: ClaimSnapshot) -> ClaimSnapshot {
    let mut primary = acme_as_other(&s);
    primary.lines = (s.claim.lines.iter().enumerate())
        .map(|(i, l)| partial_line(i + 1, l, primary.adjudicated_on))
        .collect();
    primary.paid_cents = primary.lines.iter().map(|l| l.paid_cents).sum();
    primary.remaining_patient_liability_cents = Some(
        primary
            .lines
            .iter()
            .flat_map(|l| &l.adjustments)
            .filter(|a| a.group == "PR")
            .map(|a| a.amount_cents)
            .sum(),
    );
    to_next_payer(&mut s, Responsibility::Secondary);
    s.claim.other_payers = vec![primary];
    s
}

/// `s` billed to a secondary payer after the primary denied it at claim level (CO 27, MOA
/// remark MA130, no line decisions: 2330B carries the adjudication date).
pub fn secondary_after_denial(mut s: ClaimSnapshot) -> ClaimSnapshot {
    let mut primary = acme_as_other(&s);
    primary.claim_adjustments = vec![cas("CO", "27", s.claim.total_charge_cents)];
    primary.remarks = vec!["MA130".into()];
    primary.remaining_patient_liability_cents = Some(0);
    to_next_payer(&mut s, Responsibility::Secondary);
    s.claim.other_payers = vec![primary];
    s
}

/// `s` billed to a tertiary payer (Cedar Health) after a partial primary and a secondary that
/// paid half of what the primary left to the patient (OA 23 for the primary's impact).
pub fn tertiary(s: ClaimSnapshot) -> ClaimSnapshot {
    let mut s = secondary_after_partial(s);
    let on = date(2025, 4, 20);
    let mut secondary = acme_as_other(&s);
    secondary.responsibility = Responsibility::Secondary;
    secondary.group_number = s.subscriber.group_number.clone();
    secondary.subscriber_member_id = s.subscriber.member_id.clone();
    secondary.payer = s.payer.clone();
    secondary.payer_claim_number = Some("BCN-88213".into());
    secondary.adjudicated_on = on;
    secondary.lines = s.claim.other_payers[0]
        .lines
        .iter()
        .zip(&s.claim.lines)
        .map(|(p, l)| {
            let left: i64 = p
                .adjustments
                .iter()
                .filter(|a| a.group == "PR")
                .map(|a| a.amount_cents)
                .sum();
            let paid = left / 2;
            LinePayment {
                paid_cents: paid,
                adjustments: vec![
                    cas("OA", "23", l.charge_cents - left),
                    cas("PR", "2", left - paid),
                ],
                adjudicated_on: on,
                ..p.clone()
            }
        })
        .collect();
    secondary.paid_cents = secondary.lines.iter().map(|l| l.paid_cents).sum();
    to_next_payer(&mut s, Responsibility::Tertiary);
    s.subscriber.member_id = "CDR0042".into();
    s.payer = Payer {
        name: "Cedar Health".into(),
        payer_id: "CDR9".into(),
    };
    s.claim.other_payers.push(secondary);
    s
}
