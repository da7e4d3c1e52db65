//! What the front desk sees of a 271 (pure): active or not, plan, the office-visit copay, the
//! deductible left, the coinsurance, whether a referral or authorization is needed, the
//! payer's messages and rejections; and the corrections the payer made to what we sent.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::x12::elig::codes::{ACTIVE, INACTIVE};
use crate::x12::elig::{Benefit, Eligibility, InquiryPerson};

/// The front-desk summary of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Summary {
    /// True when coverage is active for the date, false when the payer says inactive; absent
    /// when the payer rejected the inquiry or said neither.
    pub active: Option<bool>,
    /// The plan (EB05 of the active-coverage benefit).
    pub plan: Option<String>,
    /// The group number the payer returned (REF*6P).
    pub group_number: Option<String>,
    /// Co-payment for an office visit (service type 98, else 30), in network, in cents.
    pub office_visit_copay_cents: Option<i64>,
    /// Deductible remaining (EB06 29) for the individual, in network, in cents.
    pub deductible_remaining_cents: Option<i64>,
    /// Co-insurance the patient pays, in network, in basis points (2000 = 20%).
    pub coinsurance_basis_points: Option<i64>,
    /// True when a benefit for the services asked about needs prior authorization or a
    /// referral (EB11 `Y`).
    pub referral_or_authorization_required: bool,
    /// The payer's MSG texts, in order.
    pub messages: Vec<String>,
    /// AAA rejections as `code: meaning (follow-up)`.
    pub rejections: Vec<String>,
}

/// What the payer returned differently from what the 270 sent (each field only when it
/// differs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Correction {
    /// The member id the payer knows the subscriber by.
    pub member_id: Option<String>,
    /// The subscriber's given name as the payer has it.
    pub first_name: Option<String>,
    /// The subscriber's family name as the payer has it.
    pub last_name: Option<String>,
    /// The subscriber's birth date as the payer has it.
    pub birth_date: Option<NaiveDate>,
}

impl Correction {
    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self == &Correction::default()
    }
}

/// In-network (or unspecified) benefits first: the front desk quotes in-network cost sharing.
fn preferred(mut found: Vec<&Benefit>) -> Option<&Benefit> {
    found.sort_by_key(|b| match b.in_network.as_deref() {
        Some("Y") => 0,
        None | Some("W") | Some("U") => 1,
        _ => 2,
    });
    found.into_iter().next()
}

fn individual(b: &Benefit) -> bool {
    b.coverage_level
        .as_ref()
        .is_none_or(|c| c.code == "IND" || c.code == "EMP")
}

fn pick<'a>(
    benefits: &'a [Benefit],
    info: &str,
    services: &[&str],
    filter: impl Fn(&Benefit) -> bool,
) -> Option<&'a Benefit> {
    services.iter().find_map(|s| {
        preferred(
            benefits
                .iter()
                .filter(|b| b.info.code == info && b.covers_service(s) && filter(b))
                .collect(),
        )
    })
}

/// The summary of `e` for the service types asked about (`30` when none).
pub fn summarize(e: &Eligibility, asked: &[String]) -> Summary {
    let patient = e.patient();
    let benefits = patient.map(|m| m.benefits.as_slice()).unwrap_or(&[]);
    let has = |codes: &[&str]| {
        benefits
            .iter()
            .any(|b| codes.contains(&b.info.code.as_str()))
    };
    let active = if has(&ACTIVE) {
        Some(true)
    } else if has(&INACTIVE) {
        Some(false)
    } else {
        None
    };
    let plan = benefits
        .iter()
        .find(|b| ACTIVE.contains(&b.info.code.as_str()) && b.plan.is_some())
        .or_else(|| benefits.iter().find(|b| b.plan.is_some()))
        .and_then(|b| b.plan.clone());
    let group_number = e
        .subscriber
        .iter()
        .chain(e.dependent.iter())
        .flat_map(|m| m.references.iter())
        .find(|r| r.qualifier == "6P")
        .map(|r| r.value.clone());
    let asked: Vec<&str> = if asked.is_empty() {
        vec!["30"]
    } else {
        asked.iter().map(String::as_str).collect()
    };
    let copay = pick(benefits, "B", &["98", "30"], individual).and_then(|b| b.amount_cents);
    let remaining = pick(benefits, "C", &["30", "98"], |b| {
        individual(b) && b.time_period.as_ref().is_some_and(|t| t.code == "29")
    })
    .and_then(|b| b.amount_cents);
    let coinsurance =
        pick(benefits, "A", &["98", "30"], individual).and_then(|b| b.percent_basis_points);
    let referral = benefits.iter().any(|b| {
        b.authorization_required == Some(true) && asked.iter().any(|s| b.covers_service(s))
    });
    let messages = benefits
        .iter()
        .flat_map(|b| b.messages.iter().cloned())
        .collect();
    let rejections = e
        .all_rejections()
        .map(|r| {
            format!(
                "{}: {} ({})",
                r.reason.code, r.reason.meaning, r.follow_up.meaning
            )
        })
        .collect::<Vec<_>>();
    Summary {
        active: if rejections.is_empty() || !benefits.is_empty() {
            active
        } else {
            None
        },
        plan,
        group_number,
        office_visit_copay_cents: copay,
        deductible_remaining_cents: remaining,
        coinsurance_basis_points: coinsurance,
        referral_or_authorization_required: referral,
        messages,
        rejections,
    }
}

/// The payer's corrections to the subscriber we sent: the member id, name and birth date in
/// its 2100C when they differ (names compared without case).
pub fn corrections(e: &Eligibility, sent: &InquiryPerson) -> Correction {
    let Some(m) = &e.subscriber else {
        return Correction::default();
    };
    let differs = |theirs: Option<&str>, ours: Option<&str>| match (theirs, ours) {
        (Some(t), Some(o)) if !t.trim().eq_ignore_ascii_case(o.trim()) => Some(t.to_string()),
        (Some(t), None) => Some(t.to_string()),
        _ => None,
    };
    Correction {
        member_id: differs(m.entity.id.as_deref(), sent.member_id.as_deref()),
        first_name: differs(m.entity.first_name.as_deref(), sent.first_name.as_deref()),
        last_name: differs(
            Some(m.entity.name.as_str()).filter(|n| !n.is_empty()),
            Some(&sent.last_name),
        ),
        birth_date: m.birth_date.filter(|d| Some(*d) != sent.birth_date),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::x12::elig::{read_271, sample};

    fn fixture(name: &str) -> Eligibility {
        let path = format!(
            "{}/tests/fixtures/x12/271/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        read_271(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn summarizes_an_active_plan() {
        let s = summarize(&fixture("active.271"), &["30".into(), "98".into()]);
        assert_eq!(s.active, Some(true));
        assert_eq!(s.plan.as_deref(), Some("GOLD PPO"));
        assert_eq!(s.group_number.as_deref(), Some("GRP100"));
        assert_eq!(s.office_visit_copay_cents, Some(2500));
        assert_eq!(s.deductible_remaining_cents, Some(80_000));
        assert_eq!(s.coinsurance_basis_points, Some(2000));
        assert!(!s.referral_or_authorization_required);
        assert_eq!(s.messages.len(), 3);
        assert!(s.rejections.is_empty());
        let mh = summarize(&fixture("active.271"), &["MH".into()]);
        assert!(mh.referral_or_authorization_required);
    }

    #[test]
    fn summarizes_inactive_rejected_and_dependent() {
        assert_eq!(summarize(&fixture("inactive.271"), &[]).active, Some(false));
        let r = summarize(&fixture("invalid_member_id.271"), &[]);
        assert_eq!(r.active, None);
        assert_eq!(
            r.rejections,
            ["72: invalid/missing subscriber/insured id (please correct and resubmit)"]
        );
        let d = summarize(&fixture("dependent.271"), &["98".into()]);
        assert_eq!(d.active, Some(true));
        assert_eq!(d.office_visit_copay_cents, Some(1500));
        assert_eq!(d.deductible_remaining_cents, Some(0));
        assert_eq!(d.coinsurance_basis_points, Some(0));
        assert!(d.referral_or_authorization_required);
    }

    #[test]
    fn finds_corrections() {
        let sent = sample::inquiry(false).subscriber;
        assert!(corrections(&fixture("active.271"), &sent).is_empty());
        let c = corrections(&fixture("corrected.271"), &sent);
        assert_eq!(c.member_id.as_deref(), Some("W123456790"));
        assert_eq!(c.first_name.as_deref(), Some("JANET"));
        assert_eq!(c.last_name, None);
        assert_eq!(c.birth_date, NaiveDate::from_ymd_opt(1980, 1, 16));
    }
}
