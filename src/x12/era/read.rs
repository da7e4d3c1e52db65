//! The 835 reader: walks the segments once, keeping the loop it is in (header, payer, payee,
//! claim, line), and builds [`Remittance`]. Money, identifiers and codes that posting relies on
//! are read strictly (an [`EraError`] names the segment); anything else that deviates from the
//! guide becomes a [`Warning`].

use super::super::parse::{self, Seg};
use super::balance;
use super::claim_segments::{cas, claim, claim_level, line_level, plb, svc};
use super::fields::{self, ident, money};
use super::model::{Address, Party, Payment, Reference, Remittance, Warning};
use super::EraError;

/// Which loop the reader is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Header,
    Payer,
    Payee,
    Claim,
    Line,
}

/// The reader's state while it walks one interchange.
pub(super) struct Reader {
    pub component: char,
    pub position: usize,
    pub segment_id: String,
    pub warnings: Vec<Warning>,
    /// LX01 of the header the next claims sit under.
    pub lx: Option<String>,
}

impl Reader {
    /// Records a warning at the current segment.
    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(Warning {
            segment_position: self.position,
            segment_id: self.segment_id.clone(),
            message: message.into(),
        });
    }

    /// An error at the current segment.
    pub fn fail(&self, reason: impl Into<String>) -> EraError {
        EraError {
            segment_position: Some(self.position),
            segment_id: Some(self.segment_id.clone()),
            reason: reason.into(),
        }
    }
}

const KNOWN_METHODS: [&str; 5] = ["ACH", "BOP", "CHK", "FWT", "NON"];

/// Segments of the 835 the reader passes over on purpose (nothing posting needs).
const IGNORED: [&str; 7] = ["CUR", "RDM", "TS3", "TS2", "QTY", "PER", "NTE"];

/// Reads an 835 interchange (one or more transaction sets).
pub fn read_835(text: &str) -> Result<Remittance, EraError> {
    let segs = parse::segments(text).map_err(|e| EraError::file(e.to_string()))?;
    let isa = &segs[0];
    let component = isa.el(16).chars().next().unwrap_or(':');
    let mut r = Reader {
        component,
        position: 0,
        segment_id: String::new(),
        warnings: Vec::new(),
        lx: None,
    };
    let mut out = Remittance {
        sender_id: isa.el(6).trim().to_string(),
        receiver_id: isa.el(8).trim().to_string(),
        interchange_control_number: isa.el(13).trim().to_string(),
        payments: Vec::new(),
        warnings: Vec::new(),
    };
    let mut current: Option<(Payment, usize, bool)> = None;
    let mut ctx = Ctx::Header;
    let mut other_sets = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        r.position = i + 1;
        r.segment_id = s.id().to_string();
        match s.id() {
            "ISA" | "GS" | "GE" | "IEA" => {}
            "ST" => {
                if current.is_some() {
                    return Err(r.fail("ST before the previous transaction set's SE"));
                }
                if s.el(1) != "835" {
                    other_sets.push(s.el(1).to_string());
                    r.warn(format!(
                        "transaction set {:?} is not an 835; skipped",
                        s.el(1)
                    ));
                    continue;
                }
                current = Some((new_payment(s.el(2)), i, false));
                r.lx = None;
                ctx = Ctx::Header;
            }
            "SE" => {
                let Some((mut p, start, has_per)) = current.take() else {
                    continue;
                };
                if s.el(1) != (i - start + 1).to_string() {
                    r.warn(format!(
                        "SE01 says {} segments, the set has {}",
                        s.el(1),
                        i - start + 1
                    ));
                }
                if !has_per {
                    r.warn("the payer loop has no PER contact");
                }
                finish(&mut r, &mut p)?;
                out.payments.push(p);
            }
            _ => {
                let Some((p, _, has_per)) = current.as_mut() else {
                    if !other_sets.is_empty() {
                        continue;
                    }
                    r.warn("segment outside a transaction set; ignored");
                    continue;
                };
                segment(&mut r, s, p, &mut ctx, has_per)?;
            }
        }
    }
    if current.is_some() {
        return Err(EraError::file("the last transaction set has no SE"));
    }
    if out.payments.is_empty() {
        return Err(EraError::file(match other_sets.first() {
            Some(found) => format!("expected an 835 transaction set, found {found:?}"),
            None => "no 835 transaction set".to_string(),
        }));
    }
    out.warnings = r.warnings;
    Ok(out)
}

fn new_payment(control: &str) -> Payment {
    Payment {
        transaction_control_number: control.to_string(),
        handling_code: String::new(),
        amount_cents: 0,
        credit_debit: String::new(),
        method: String::new(),
        payment_date: None,
        trace_number: String::new(),
        trace_originator: None,
        production_date: None,
        payer: Party::default(),
        payee: Party::default(),
        claims: Vec::new(),
        provider_adjustments: Vec::new(),
        balance: balance::BalanceCheck::default(),
    }
}

/// Checks what a payment must have, computes its balance and secondary warnings.
fn finish(r: &mut Reader, p: &mut Payment) -> Result<(), EraError> {
    if p.handling_code.is_empty() {
        return Err(r.fail("the transaction set has no BPR"));
    }
    if p.trace_number.is_empty() {
        return Err(r.fail("the transaction set has no TRN trace number"));
    }
    if p.payer.name.is_empty() {
        r.warn("the transaction set has no payer N1*PR loop");
    }
    for (i, c) in p.claims.iter().enumerate() {
        let pr: i64 = c
            .all_adjustments()
            .filter(|a| a.group == "PR")
            .map(|a| a.amount_cents)
            .sum();
        if let Some(resp) = c.patient_responsibility_cents {
            if resp != pr {
                r.warn(format!(
                    "claim {} ({}): CLP05 {resp} cents differs from its PR adjustments {pr} cents",
                    i + 1,
                    c.patient_control_number
                ));
            }
        }
    }
    p.balance = balance::check(p);
    Ok(())
}

fn segment(
    r: &mut Reader,
    s: &Seg<'_>,
    p: &mut Payment,
    ctx: &mut Ctx,
    has_per: &mut bool,
) -> Result<(), EraError> {
    match (s.id(), *ctx) {
        ("BPR", _) => bpr(r, s, p)?,
        ("TRN", _) => {
            p.trace_number = ident(s.el(2), "TRN02 trace number").map_err(|e| r.fail(e))?;
            p.trace_originator = s.opt(3).map(str::to_string);
        }
        ("DTM", Ctx::Header) => {
            if s.el(1) == "405" {
                p.production_date = fields::date(s.el(2));
            }
            if fields::date(s.el(2)).is_none() {
                r.warn(format!("DTM date {:?} is not CCYYMMDD", s.el(2)));
            }
        }
        ("REF", Ctx::Header) => {}
        ("N1", _) => {
            let party = Party {
                name: s.el(2).to_string(),
                id_qualifier: s.opt(3).map(str::to_string),
                id: s.opt(4).map(str::to_string),
                ..Party::default()
            };
            match s.el(1) {
                "PR" => {
                    p.payer = party;
                    *ctx = Ctx::Payer;
                }
                "PE" => {
                    p.payee = party;
                    *ctx = Ctx::Payee;
                }
                other => r.warn(format!("N1 entity {other:?} is neither PR nor PE; ignored")),
            }
        }
        ("N3" | "N4" | "REF" | "PER", Ctx::Payer | Ctx::Payee) => {
            if s.id() == "PER" && *ctx == Ctx::Payer {
                *has_per = true;
            }
            let party = if *ctx == Ctx::Payer {
                &mut p.payer
            } else {
                &mut p.payee
            };
            party_segment(party, s);
        }
        ("LX", _) => {
            r.lx = s.opt(1).map(str::to_string);
            *ctx = Ctx::Header;
        }
        ("CLP", _) => {
            p.claims.push(claim(r, s)?);
            *ctx = Ctx::Claim;
        }
        ("SVC", Ctx::Claim | Ctx::Line) => {
            let c = p
                .claims
                .last_mut()
                .ok_or_else(|| r.fail("SVC before any CLP"))?;
            c.lines.push(svc(r, s)?);
            *ctx = Ctx::Line;
        }
        ("CAS", Ctx::Claim | Ctx::Line) => {
            let adj = cas(r, s)?;
            let c = p
                .claims
                .last_mut()
                .ok_or_else(|| r.fail("CAS before any CLP"))?;
            match (c.lines.last_mut(), *ctx) {
                (Some(l), Ctx::Line) => l.adjustments.extend(adj),
                _ => c.adjustments.extend(adj),
            }
        }
        ("PLB", _) => {
            let adjustments = plb(r, s)?;
            p.provider_adjustments.extend(adjustments);
        }
        (id, Ctx::Claim) if ["NM1", "MIA", "MOA", "REF", "DTM", "AMT"].contains(&id) => {
            if let Some(c) = p.claims.last_mut() {
                claim_level(r, s, c)?;
            }
        }
        (id, Ctx::Line) if ["REF", "DTM", "AMT", "LQ"].contains(&id) => {
            if let Some(l) = p.claims.last_mut().and_then(|c| c.lines.last_mut()) {
                line_level(r, s, l)?;
            }
        }
        (id, _) if IGNORED.contains(&id) => {}
        (id, c) => r.warn(format!("{id} is not expected here ({c:?} loop); ignored")),
    }
    Ok(())
}

fn bpr(r: &mut Reader, s: &Seg<'_>, p: &mut Payment) -> Result<(), EraError> {
    p.handling_code = ident(s.el(1), "BPR01 handling code").map_err(|e| r.fail(e))?;
    p.amount_cents = money(s.el(2), "BPR02 payment amount").map_err(|e| r.fail(e))?;
    if p.amount_cents < 0 {
        r.warn("BPR02 is negative; BPR03 D should carry a debit");
    }
    p.credit_debit = s.el(3).to_string();
    if !["C", "D"].contains(&s.el(3)) {
        r.warn(format!("BPR03 {:?} is neither C nor D; read as C", s.el(3)));
        p.credit_debit = "C".into();
    }
    p.method = s.el(4).to_string();
    if !KNOWN_METHODS.contains(&s.el(4)) {
        r.warn(format!(
            "BPR04 payment method {:?} is not a 5010 code",
            s.el(4)
        ));
    }
    p.payment_date = fields::date(s.el(16));
    if p.payment_date.is_none() {
        r.warn(format!("BPR16 date {:?} is not CCYYMMDD", s.el(16)));
    }
    Ok(())
}

fn party_segment(party: &mut Party, s: &Seg<'_>) {
    match s.id() {
        "N3" => {
            let a = party.address.get_or_insert_with(Address::default);
            a.lines.extend(s.rest(1).map(str::to_string));
        }
        "N4" => {
            let a = party.address.get_or_insert_with(Address::default);
            a.city = s.el(1).to_string();
            a.state = s.opt(2).map(str::to_string);
            a.postal_code = s.opt(3).map(str::to_string);
        }
        "REF" => party.references.push(Reference {
            qualifier: s.el(1).to_string(),
            value: s.el(2).to_string(),
        }),
        _ => {}
    }
}
