//! An earlier payer from a claim snapshot to the 837P writer's input.

use super::model::{SnapAdjustment, SnapOtherPayer};
use crate::x12;

fn cas(a: &SnapAdjustment) -> x12::CasAdjustment {
    x12::CasAdjustment {
        group: a.group.clone(),
        reason: a.reason.clone(),
        amount_cents: a.amount_cents,
    }
}

/// The writer's 2320/2330/2430 input for `o`.
pub fn other_payer(o: &SnapOtherPayer) -> x12::OtherPayer {
    x12::OtherPayer {
        responsibility: match o.priority.as_str() {
            "secondary" => x12::Responsibility::Secondary,
            "tertiary" => x12::Responsibility::Tertiary,
            _ => x12::Responsibility::Primary,
        },
        relationship_code: o.relationship_code.clone(),
        group_number: o.group_number.clone(),
        claim_filing_indicator: o.claim_filing_indicator.clone(),
        claim_adjustments: o.claim_adjustments.iter().map(cas).collect(),
        paid_cents: o.paid_cents,
        remaining_patient_liability_cents: Some(o.remaining_patient_liability_cents),
        remarks: o.remarks.clone(),
        benefits_assigned: true,
        subscriber_name: x12::Name::Person {
            last: o.subscriber_last_name.clone(),
            first: o.subscriber_first_name.clone(),
            middle: None,
            suffix: None,
        },
        subscriber_member_id: o.member_id.clone(),
        payer: x12::Payer {
            name: o.payer_name.clone(),
            payer_id: o.edi_payer_id.clone(),
        },
        payer_claim_number: o.payer_claim_number.clone(),
        adjudicated_on: o.adjudicated_on,
        lines: o
            .lines
            .iter()
            .map(|l| x12::LinePayment {
                line_number: usize::try_from(l.line_number).unwrap_or(0),
                paid_cents: l.paid_cents,
                procedure_code: l.procedure_code.clone(),
                modifiers: l.modifiers.clone(),
                units_paid: u32::try_from(l.units_paid).unwrap_or(0),
                adjustments: l.adjustments.iter().map(cas).collect(),
                adjudicated_on: o.adjudicated_on,
            })
            .collect(),
    }
}
