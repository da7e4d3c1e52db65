//! The coordination-of-benefits loops of a claim sent to a second or third payer: 2320 (SBR,
//! CAS, AMT*D, AMT*EAF, OI, MOA), 2330A (NM1*IL), 2330B (NM1*PR, DTP*573, REF*F8) per earlier
//! payer, and 2430 (SVD, CAS, DTP*573) per earlier payer's line decision.
//!
//! The amounts must balance as the guide requires, so the next payer can rely on them: for
//! each earlier payer, each line charge = SVD02 + the line's CAS, AMT*D = the sum of SVD02,
//! and CLM02 = AMT*D + every CAS of that payer (claim and line level).

use super::claim::{Claim, Name, Responsibility};
use super::claim_loops::code;
use super::cob::{CasAdjustment, LinePayment, OtherPayer};
use super::error::Problem;
use super::parties::{nm1, NameFields};
use super::segment::{Out, Res};

/// Most earlier payers on one claim (2320 repeats up to 10 times).
pub const MAX_OTHER_PAYERS: usize = 10;
/// CAS groups the guide allows.
const GROUPS: [&str; 5] = ["CO", "CR", "OA", "PI", "PR"];

const SUBSCRIBER: NameFields = NameFields {
    last_or_org: "other_payers.subscriber_name",
    first: "other_payers.subscriber_name.first",
    middle: "other_payers.subscriber_name.middle",
    suffix: "other_payers.subscriber_name.suffix",
};

const PAYER: NameFields = NameFields {
    last_or_org: "other_payers.payer.name",
    first: "other_payers.payer.name",
    middle: "other_payers.payer.name",
    suffix: "other_payers.payer.name",
};

fn invalid(out: &Out, field: &'static str, why: &'static str) -> Res {
    Err(out.err(field, Problem::Invalid(why)))
}

/// CAS segments, one per group in order of first appearance, up to 6 reasons each.
fn cas(out: &mut Out, adjs: &[CasAdjustment], field: &'static str) -> Res {
    let mut groups: Vec<&str> = Vec::new();
    for a in adjs {
        if !GROUPS.contains(&a.group.as_str()) {
            return invalid(out, field, "a CAS group: CO, CR, OA, PI or PR");
        }
        if !groups.contains(&a.group.as_str()) {
            groups.push(&a.group);
        }
    }
    if groups.len() > 5 {
        return Err(out.err(
            field,
            Problem::Count {
                min: 0,
                max: 5,
                found: groups.len(),
            },
        ));
    }
    for g in groups {
        let of_group: Vec<&CasAdjustment> = adjs.iter().filter(|a| a.group == g).collect();
        if of_group.len() > 6 {
            return Err(out.err(
                field,
                Problem::Count {
                    min: 1,
                    max: 6,
                    found: of_group.len(),
                },
            ));
        }
        out.seg("CAS").raw(g);
        for a in of_group {
            let reason = code(out, &a.reason, field, 1, 5)?;
            out.raw(&reason).money(a.amount_cents).skip(1);
        }
        out.end();
    }
    Ok(())
}

fn sum(adjs: &[CasAdjustment]) -> i64 {
    adjs.iter().map(|a| a.amount_cents).sum()
}

/// Checks that `o`'s amounts balance against the claim (see the module documentation).
fn check_balance(out: &Out, c: &Claim, o: &OtherPayer) -> Res {
    let mut seen = Vec::with_capacity(o.lines.len());
    for lp in &o.lines {
        let Some(line) = lp.line_number.checked_sub(1).and_then(|i| c.lines.get(i)) else {
            return invalid(
                out,
                "other_payers.lines.line_number",
                "not a line of the claim",
            );
        };
        if seen.contains(&lp.line_number) {
            return invalid(out, "other_payers.lines.line_number", "a line given twice");
        }
        seen.push(lp.line_number);
        if line.charge_cents != lp.paid_cents + sum(&lp.adjustments) {
            return invalid(
                out,
                "other_payers.lines.adjustments",
                "line charge must equal paid + line adjustments",
            );
        }
    }
    if !o.lines.is_empty() && o.lines.iter().map(|l| l.paid_cents).sum::<i64>() != o.paid_cents {
        return invalid(
            out,
            "other_payers.paid_cents",
            "must equal the sum of the line payments",
        );
    }
    let line_cas: i64 = o.lines.iter().map(|l| sum(&l.adjustments)).sum();
    if c.total_charge_cents != o.paid_cents + sum(&o.claim_adjustments) + line_cas {
        return invalid(
            out,
            "other_payers.claim_adjustments",
            "claim charge must equal paid + every adjustment of this payer",
        );
    }
    Ok(())
}

/// Loops 2320/2330A/2330B for every earlier payer of claim `c` (none for a primary claim).
pub(crate) fn other_payers(out: &mut Out, c: &Claim) -> Res {
    if c.other_payers.len() > MAX_OTHER_PAYERS {
        return Err(out.err(
            "claim.other_payers",
            Problem::Count {
                min: 0,
                max: MAX_OTHER_PAYERS,
                found: c.other_payers.len(),
            },
        ));
    }
    for o in &c.other_payers {
        check_balance(out, c, o)?;
        const RELATIONSHIPS: [&str; 9] = ["18", "01", "19", "20", "21", "39", "40", "53", "G8"];
        if !RELATIONSHIPS.contains(&o.relationship_code.as_str()) {
            return invalid(
                out,
                "other_payers.relationship_code",
                "18, 01, 19, 20, 21, 39, 40, 53 or G8",
            );
        }
        out.seg("SBR").raw(match o.responsibility {
            Responsibility::Primary => "P",
            Responsibility::Secondary => "S",
            Responsibility::Tertiary => "T",
        });
        out.raw(&o.relationship_code);
        match &o.group_number {
            Some(g) => out.id(g, "other_payers.group_number", 1, 50)?,
            None => out.skip(1),
        };
        out.skip(5).id(
            &o.claim_filing_indicator,
            "other_payers.claim_filing_indicator",
            1,
            2,
        )?;
        out.end();
        cas(out, &o.claim_adjustments, "other_payers.claim_adjustments")?;
        out.seg("AMT").raw("D").money(o.paid_cents);
        out.end();
        if let Some(eaf) = o.remaining_patient_liability_cents {
            if eaf < 0 {
                return invalid(
                    out,
                    "other_payers.remaining_patient_liability_cents",
                    "must not be negative",
                );
            }
            out.seg("AMT").raw("EAF").money(eaf);
            out.end();
        }
        out.seg("OI")
            .skip(2)
            .raw(if o.benefits_assigned { "Y" } else { "N" })
            .skip(2)
            .raw(match c.release_of_information {
                super::claim::ReleaseOfInformation::Yes => "Y",
                super::claim::ReleaseOfInformation::Informed => "I",
            });
        out.end();
        if !o.remarks.is_empty() {
            if o.remarks.len() > 5 {
                return Err(out.err(
                    "other_payers.remarks",
                    Problem::Count {
                        min: 0,
                        max: 5,
                        found: o.remarks.len(),
                    },
                ));
            }
            out.seg("MOA").skip(2);
            for r in &o.remarks {
                let r = code(out, r, "other_payers.remarks", 1, 30)?;
                out.raw(&r);
            }
            out.end();
        }
        nm1(
            out,
            "IL",
            &o.subscriber_name,
            &SUBSCRIBER,
            Some((
                "MI",
                &o.subscriber_member_id,
                "other_payers.subscriber_member_id",
            )),
        )?;
        let payer = Name::Organization(o.payer.name.clone());
        nm1(
            out,
            "PR",
            &payer,
            &PAYER,
            Some(("PI", &o.payer.payer_id, "other_payers.payer.payer_id")),
        )?;
        // The claim-level adjudication date is required when no line decisions carry theirs.
        if o.lines.is_empty() {
            out.seg("DTP").raw("573").raw("D8").date(o.adjudicated_on);
            out.end();
        }
        if let Some(n) = &o.payer_claim_number {
            out.seg("REF")
                .raw("F8")
                .id(n, "other_payers.payer_claim_number", 1, 50)?;
            out.end();
        }
    }
    Ok(())
}

/// Loop 2430 for line `number` (1-based): each earlier payer's decision about it, in payer
/// order.
pub(crate) fn line_payments(out: &mut Out, c: &Claim, number: usize) -> Res {
    for o in &c.other_payers {
        for lp in o.lines.iter().filter(|l| l.line_number == number) {
            svd(out, o, lp)?;
        }
    }
    Ok(())
}

fn svd(out: &mut Out, o: &OtherPayer, lp: &LinePayment) -> Res {
    if lp.modifiers.len() > 4 {
        return Err(out.err(
            "other_payers.lines.modifiers",
            Problem::Count {
                min: 0,
                max: 4,
                found: lp.modifiers.len(),
            },
        ));
    }
    if lp.units_paid == 0 {
        return invalid(out, "other_payers.lines.units_paid", "at least 1");
    }
    out.seg("SVD")
        .id(&o.payer.payer_id, "other_payers.payer.payer_id", 2, 80)?
        .money(lp.paid_cents);
    let proc_code = code(
        out,
        &lp.procedure_code,
        "other_payers.lines.procedure_code",
        1,
        48,
    )?;
    out.raw("HC").comp(&proc_code);
    for m in &lp.modifiers {
        let m = code(out, m, "other_payers.lines.modifiers", 2, 2)?;
        out.comp(&m);
    }
    out.skip(1).num(u64::from(lp.units_paid));
    out.end();
    cas(out, &lp.adjustments, "other_payers.lines.adjustments")?;
    out.seg("DTP").raw("573").raw("D8").date(lp.adjudicated_on);
    out.end();
    Ok(())
}
