//! The 277CA claim acknowledgment reader (005010X214): per claim, whether the payer's (or the
//! clearinghouse's) front end accepted it into adjudication or rejected it, with the STC codes.
//!
//! A claim is found by its patient control number: 005010X214 puts the 837's CLM01 in the
//! 2200D TRN02 (trace type 2, "referenced transaction trace number"). REF*1K carries the payer's
//! claim control number (needed later for a replacement or void) and REF*D9 a clearinghouse
//! trace number.

use super::codes::{self, Coded, Outcome};
use super::error::ReadError;
use super::parse::{self, Seg};

/// A 277CA, read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ack277 {
    /// ISA13 of the 277CA itself.
    pub interchange_control_number: String,
    /// BHT03: the acknowledgment's reference.
    pub reference: String,
    /// 2200B STC: statuses of the whole submission (information receiver level).
    pub batch_statuses: Vec<Status>,
    /// 2200C STC: statuses given at billing provider level, with the provider's id (NM109).
    pub provider_statuses: Vec<(String, Status)>,
    /// One entry per 2200D loop, in file order.
    pub claims: Vec<ClaimAck>,
}

/// The acknowledgment of one claim (a 2200D loop).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClaimAck {
    /// TRN02: the patient control number (CLM01) of the claim acknowledged.
    pub patient_control_number: String,
    /// REF*1K: the payer's claim control number, when assigned.
    pub payer_claim_number: Option<String>,
    /// REF*D9: the clearinghouse's trace number, when given.
    pub clearinghouse_trace: Option<String>,
    /// 2100C NM109: the billing provider's id (NPI with qualifier XX).
    pub billing_provider_id: Option<String>,
    /// 2100D NM109: the patient's member id.
    pub member_id: Option<String>,
    /// The claim's STC statuses (STC01, STC10, STC11 of each STC).
    pub statuses: Vec<Status>,
    /// Rejected when any status category rejects, accepted when one accepts and none rejects,
    /// pending otherwise.
    pub outcome: Outcome,
    /// 2220D service lines with their own statuses.
    pub lines: Vec<LineAck>,
}

/// One 2220D service line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineAck {
    /// SVC01-2: the procedure code.
    pub procedure_code: String,
    /// SVC02: the line charge in cents.
    pub charge_cents: Option<i64>,
    /// REF*FJ: the line item control number, when given.
    pub line_item_control: Option<String>,
    /// STC statuses of the line.
    pub statuses: Vec<Status>,
}

/// One status composite of an STC segment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    /// Category (STC0x-1), e.g. A2, A7.
    pub category: Coded,
    /// Status code (STC0x-2), e.g. 20, 21 (external code list 508).
    pub status: Coded,
    /// Entity identifier (STC0x-3), when the status concerns an entity (e.g. 85 billing
    /// provider, IL subscriber).
    pub entity: Option<String>,
    /// STC03 action code of the segment: `WQ` accept, `U` reject.
    pub action: Option<String>,
    /// STC04 total charge of the segment, in cents.
    pub amount_cents: Option<i64>,
}

impl Ack277 {
    /// The acknowledgment of a claim by patient control number (the last one wins when a file
    /// lists a claim twice).
    pub fn claim(&self, patient_control_number: &str) -> Option<&ClaimAck> {
        self.claims
            .iter()
            .rev()
            .find(|c| c.patient_control_number == patient_control_number)
    }
}

/// Parses an X12 decimal into cents (`123.45` -> 12345, `100` -> 10000, `1.5` -> 150).
pub fn parse_money(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if (whole.is_empty() && frac.is_empty()) || frac.len() > 2 {
        return None;
    }
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(frac) {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let cents = w.checked_mul(100)?.checked_add(f)?;
    Some(if neg { -cents } else { cents })
}

fn statuses(s: &Seg<'_>) -> Vec<Status> {
    let action = s.opt(3).map(str::to_string);
    let amount_cents = s.opt(4).and_then(parse_money);
    [1, 10, 11]
        .iter()
        .filter(|&&i| !s.el(i).is_empty())
        .map(|&i| Status {
            category: Coded::new(s.comp(i, 1), codes::status_category),
            status: Coded::new(s.comp(i, 2), codes::status_code),
            entity: Some(s.comp(i, 3))
                .filter(|e| !e.is_empty())
                .map(str::to_string),
            action: action.clone(),
            amount_cents,
        })
        .collect()
}

fn outcome(statuses: &[Status]) -> Outcome {
    let mut result = Outcome::Pending;
    for s in statuses {
        match codes::category_outcome(&s.category.code) {
            Outcome::Rejected => return Outcome::Rejected,
            Outcome::Accepted => result = Outcome::Accepted,
            Outcome::Pending => {}
        }
    }
    result
}

/// Reads a 277CA interchange.
pub fn read_277ca(text: &str) -> Result<Ack277, ReadError> {
    let segs = parse::segments(text)?;
    let (isa13, st) = parse::transaction(&segs, "277")?;
    let mut ack = Ack277 {
        interchange_control_number: isa13.to_string(),
        reference: String::new(),
        batch_statuses: Vec::new(),
        provider_statuses: Vec::new(),
        claims: Vec::new(),
    };
    let mut level = "";
    let mut provider: Option<String> = None;
    let mut member: Option<String> = None;
    let mut in_line = false;
    for s in st {
        match (s.id(), level) {
            ("BHT", _) => ack.reference = s.el(3).to_string(),
            ("HL", _) => {
                level = s.el(3);
                in_line = false;
            }
            ("NM1", "19") => provider = s.opt(9).map(str::to_string),
            ("NM1", "PT") => member = s.opt(9).map(str::to_string),
            ("STC", "21") => ack.batch_statuses.extend(statuses(s)),
            ("STC", "19") => {
                let id = provider.clone().unwrap_or_default();
                ack.provider_statuses
                    .extend(statuses(s).into_iter().map(|st| (id.clone(), st)));
            }
            ("TRN", "PT") => {
                in_line = false;
                ack.claims.push(ClaimAck {
                    patient_control_number: s.el(2).to_string(),
                    payer_claim_number: None,
                    clearinghouse_trace: None,
                    billing_provider_id: provider.clone(),
                    member_id: member.clone(),
                    statuses: Vec::new(),
                    outcome: Outcome::Pending,
                    lines: Vec::new(),
                });
            }
            ("STC" | "REF" | "SVC", "PT") => {
                let claim = ack.claims.last_mut().ok_or_else(|| {
                    ReadError::Structure(format!("{} before the claim's TRN", s.id()))
                })?;
                patient_level(claim, s, &mut in_line);
            }
            _ => {}
        }
    }
    if ack.reference.is_empty() {
        return Err(ReadError::Structure("a 277CA needs a BHT".into()));
    }
    for c in &mut ack.claims {
        c.outcome = outcome(&c.statuses);
    }
    Ok(ack)
}

fn patient_level(claim: &mut ClaimAck, s: &Seg<'_>, in_line: &mut bool) {
    match s.id() {
        "SVC" => {
            *in_line = true;
            claim.lines.push(LineAck {
                procedure_code: s.comp(1, 2).to_string(),
                charge_cents: parse_money(s.el(2)),
                line_item_control: None,
                statuses: Vec::new(),
            });
        }
        "STC" => match claim.lines.last_mut() {
            Some(line) if *in_line => line.statuses.extend(statuses(s)),
            _ => claim.statuses.extend(statuses(s)),
        },
        _ => {
            let value = s.opt(2).map(str::to_string);
            match (s.el(1), claim.lines.last_mut()) {
                ("FJ", Some(line)) if *in_line => line.line_item_control = value,
                ("1K", _) if !*in_line => claim.payer_claim_number = value,
                ("D9", _) if !*in_line => claim.clearinghouse_trace = value,
                _ => {}
            }
        }
    }
}
