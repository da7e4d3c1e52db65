//! The segments of loops 2100 (claim) and 2110 (service line), and PLB.

use super::super::parse::Seg;
use super::fields::{self, code, ident, money, opt_money};
use super::model::{
    Adjustment, Amount, ClaimPayment, DateRef, Entity, LinePayment, ProviderAdjustment, Reference,
    Remark,
};
use super::read::Reader;
use super::EraError;

/// CLP02 codes of 005010X221A1.
const CLAIM_STATUSES: [&str; 10] = ["1", "2", "3", "4", "19", "20", "21", "22", "23", "25"];

/// CAS01 group codes.
const GROUPS: [&str; 5] = ["CO", "CR", "OA", "PI", "PR"];

/// CLP: a new claim payment.
pub(super) fn claim(r: &mut Reader, s: &Seg<'_>) -> Result<ClaimPayment, EraError> {
    let f = |e: String| r.fail(e);
    let patient_control_number = ident(s.el(1), "CLP01 patient control number").map_err(f)?;
    let status_code = s.el(2).to_string();
    if !CLAIM_STATUSES.contains(&status_code.as_str()) {
        return Err(r.fail(format!(
            "CLP02 claim status {status_code:?} is not a 5010 code"
        )));
    }
    let charge_cents = money(s.el(3), "CLP03 charge").map_err(|e| r.fail(e))?;
    let paid_cents = money(s.el(4), "CLP04 payment").map_err(|e| r.fail(e))?;
    let patient_responsibility_cents =
        opt_money(s.el(5), "CLP05 patient responsibility").map_err(|e| r.fail(e))?;
    if s.el(7).is_empty() {
        r.warn("CLP07 payer claim control number is missing");
    }
    Ok(ClaimPayment {
        header_number: r.lx.clone(),
        patient_control_number,
        status_code,
        charge_cents,
        paid_cents,
        patient_responsibility_cents,
        filing_indicator: s.opt(6).map(str::to_string),
        payer_claim_number: s.opt(7).map(str::to_string),
        facility_type: s.opt(8).map(str::to_string),
        frequency: s.opt(9).map(str::to_string),
        adjustments: Vec::new(),
        entities: Vec::new(),
        remarks: Vec::new(),
        references: Vec::new(),
        dates: Vec::new(),
        amounts: Vec::new(),
        lines: Vec::new(),
    })
}

/// CAS: a group and up to six reason/amount/quantity triplets.
pub(super) fn cas(r: &mut Reader, s: &Seg<'_>) -> Result<Vec<Adjustment>, EraError> {
    let group = s.el(1).to_string();
    if !GROUPS.contains(&group.as_str()) {
        return Err(r.fail(format!("CAS01 group {group:?} is not CO, CR, OA, PI or PR")));
    }
    let mut out = Vec::new();
    for k in 0..6 {
        let (ri, ai, qi) = (2 + 3 * k, 3 + 3 * k, 4 + 3 * k);
        if s.el(ri).is_empty() {
            if !s.el(ai).is_empty() {
                return Err(r.fail(format!("CAS{ai:02} has an amount without a reason")));
            }
            continue;
        }
        let reason = code(s.el(ri), "CAS reason code", 5).map_err(|e| r.fail(e))?;
        let amount_cents = money(s.el(ai), &format!("CAS{ai:02} amount")).map_err(|e| r.fail(e))?;
        out.push(Adjustment {
            group: group.clone(),
            reason,
            amount_cents,
            quantity: s.opt(qi).map(str::to_string),
        });
    }
    if out.is_empty() {
        return Err(r.fail("CAS without any reason code"));
    }
    if s.el(20).len() + s.el(21).len() > 0 {
        r.warn("CAS has elements past the sixth triplet; ignored");
    }
    Ok(out)
}

/// SVC: a new service line.
pub(super) fn svc(r: &mut Reader, s: &Seg<'_>) -> Result<LinePayment, EraError> {
    let (procedure, fallback) = fields::procedure(s.el(1), r.component).map_err(|e| r.fail(e))?;
    if fallback {
        r.warn(format!(
            "SVC01 uses a component separator other than ISA16 {:?}",
            r.component
        ));
    }
    let charge_cents = money(s.el(2), "SVC02 charge").map_err(|e| r.fail(e))?;
    let paid_cents = money(s.el(3), "SVC03 payment").map_err(|e| r.fail(e))?;
    let original_procedure = match s.opt(6) {
        Some(v) => {
            let (p, fb) = fields::procedure(v, r.component).map_err(|e| r.fail(e))?;
            if fb {
                r.warn("SVC06 uses a component separator other than ISA16");
            }
            Some(p)
        }
        None => None,
    };
    Ok(LinePayment {
        procedure,
        charge_cents,
        paid_cents,
        revenue_code: s.opt(4).map(str::to_string),
        units_paid: s.opt(5).map(str::to_string),
        original_procedure,
        original_units: s.opt(7).map(str::to_string),
        dates: Vec::new(),
        adjustments: Vec::new(),
        line_item_control_number: None,
        references: Vec::new(),
        amounts: Vec::new(),
        remarks: Vec::new(),
    })
}

/// PLB: provider id, fiscal period date, then up to six reason:reference/amount pairs.
pub(super) fn plb(r: &mut Reader, s: &Seg<'_>) -> Result<Vec<ProviderAdjustment>, EraError> {
    let provider_id = ident(s.el(1), "PLB01 provider identifier").map_err(|e| r.fail(e))?;
    let fiscal_period_date = fields::date(s.el(2));
    if fiscal_period_date.is_none() {
        r.warn(format!("PLB02 date {:?} is not CCYYMMDD", s.el(2)));
    }
    let mut out = Vec::new();
    for k in 0..6 {
        let (ci, ai) = (3 + 2 * k, 4 + 2 * k);
        if s.el(ci).is_empty() {
            continue;
        }
        let (reason, reference) = fields::pair(s.el(ci), r.component);
        let reason = code(reason, "PLB adjustment reason", 2).map_err(|e| r.fail(e))?;
        let amount_cents = money(s.el(ai), &format!("PLB{ai:02} amount")).map_err(|e| r.fail(e))?;
        out.push(ProviderAdjustment {
            provider_id: provider_id.clone(),
            fiscal_period_date,
            reason,
            reference: Some(reference)
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            amount_cents,
        });
    }
    if out.is_empty() {
        return Err(r.fail("PLB without any adjustment"));
    }
    Ok(out)
}

fn date_ref(r: &mut Reader, s: &Seg<'_>) -> Option<DateRef> {
    match fields::date(s.el(2)) {
        Some(date) => Some(DateRef {
            qualifier: s.el(1).to_string(),
            date,
        }),
        None => {
            r.warn(format!("DTM date {:?} is not CCYYMMDD; ignored", s.el(2)));
            None
        }
    }
}

fn amount(r: &Reader, s: &Seg<'_>) -> Result<Amount, EraError> {
    Ok(Amount {
        qualifier: s.el(1).to_string(),
        cents: money(s.el(2), "AMT02 amount").map_err(|e| r.fail(e))?,
    })
}

fn reference(s: &Seg<'_>) -> Reference {
    Reference {
        qualifier: s.el(1).to_string(),
        value: s.el(2).to_string(),
    }
}

/// NM1, MIA, MOA, REF, DTM, AMT of loop 2100.
pub(super) fn claim_level(
    r: &mut Reader,
    s: &Seg<'_>,
    c: &mut ClaimPayment,
) -> Result<(), EraError> {
    match s.id() {
        "NM1" => c.entities.push(Entity {
            role: s.el(1).to_string(),
            last_name: s.opt(3).map(str::to_string),
            first_name: s.opt(4).map(str::to_string),
            middle_name: s.opt(5).map(str::to_string),
            id_qualifier: s.opt(8).map(str::to_string),
            id: s.opt(9).map(str::to_string),
        }),
        "MIA" | "MOA" => {
            // MIA05 and MIA20..24, MOA03..07 hold remark codes (RARCs).
            let positions: &[usize] = if s.id() == "MIA" {
                &[5, 20, 21, 22, 23, 24]
            } else {
                &[3, 4, 5, 6, 7]
            };
            for &i in positions {
                if let Some(v) = s.opt(i) {
                    c.remarks.push(Remark {
                        qualifier: s.id().to_string(),
                        code: v.to_string(),
                    });
                }
            }
        }
        "REF" => c.references.push(reference(s)),
        "DTM" => {
            if let Some(d) = date_ref(r, s) {
                c.dates.push(d);
            }
        }
        "AMT" => c.amounts.push(amount(r, s)?),
        _ => {}
    }
    Ok(())
}

/// REF, DTM, AMT, LQ of loop 2110.
pub(super) fn line_level(r: &mut Reader, s: &Seg<'_>, l: &mut LinePayment) -> Result<(), EraError> {
    match s.id() {
        "REF" => {
            if s.el(1) == "6R" {
                let v = ident(s.el(2), "REF*6R line item control number").map_err(|e| r.fail(e))?;
                l.line_item_control_number = Some(v);
            }
            l.references.push(reference(s));
        }
        "DTM" => {
            if let Some(d) = date_ref(r, s) {
                l.dates.push(d);
            }
        }
        "AMT" => l.amounts.push(amount(r, s)?),
        "LQ" => l.remarks.push(Remark {
            qualifier: s.el(1).to_string(),
            code: code(s.el(2), "LQ02 remark code", 5).map_err(|e| r.fail(e))?,
        }),
        _ => {}
    }
    Ok(())
}
