//! The claim loops: 2300 CLM/REF*F8/HI, 2310A referring and 2310B rendering providers, 2400
//! service lines (LX/SV1/DTP*472) with 2410 drug identification (LIN/CTP). The COB loops
//! (2320/2330 and 2430) are in [`super::cob_loops`].

use std::borrow::Cow;
use std::fmt::Write;

use super::claim::{
    Assignment, BenefitsAssignment, Claim, ClaimProvider, Frequency, Name, ReleaseOfInformation,
    ServiceLine,
};
use super::error::Problem;
use super::escape;
use super::parties::{check_npi, nm1, NameFields};
use super::segment::{Out, Res};

/// Most diagnoses on one claim (one HI segment).
pub const MAX_DIAGNOSES: usize = 12;
/// Most service lines on one 837P claim.
pub const MAX_LINES: usize = 50;

fn count(out: &Out, field: &'static str, found: usize, min: usize, max: usize) -> Res {
    if found < min || found > max {
        Err(out.err(field, Problem::Count { min, max, found }))
    } else {
        Ok(())
    }
}

/// A code (procedure, diagnosis, modifier, CARC, RARC): letters and digits, upper-cased.
pub(crate) fn code<'a>(
    out: &Out,
    raw: &'a str,
    field: &'static str,
    min: usize,
    max: usize,
) -> Result<Cow<'a, str>, super::error::X12Error> {
    let v = escape::check_id(raw, min, max).map_err(|p| out.err(field, p))?;
    if !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(out.err(field, Problem::Invalid("letters and digits only")));
    }
    if v.bytes().any(|b| b.is_ascii_lowercase()) {
        Ok(Cow::Owned(v.to_ascii_uppercase()))
    } else {
        Ok(Cow::Borrowed(v))
    }
}

/// Loop 2300 and everything below it.
pub(crate) fn claim(out: &mut Out, c: &Claim) -> Res {
    out.line = None;
    count(out, "claim.diagnoses", c.diagnoses.len(), 1, MAX_DIAGNOSES)?;
    count(out, "claim.lines", c.lines.len(), 1, MAX_LINES)?;
    let lines_cents: i64 = c.lines.iter().map(|l| l.charge_cents).sum();
    if lines_cents != c.total_charge_cents {
        return Err(out.err(
            "claim.total_charge_cents",
            Problem::TotalMismatch {
                total_cents: c.total_charge_cents,
                lines_cents,
            },
        ));
    }
    let pos = code(out, &c.place_of_service, "claim.place_of_service", 2, 2)?;
    out.seg("CLM").id(
        &c.patient_control_number,
        "claim.patient_control_number",
        1,
        38,
    )?;
    out.money(c.total_charge_cents).skip(2).raw(&pos).comp("B");
    let (freq, original) = match &c.frequency {
        Frequency::Original => ("1", None),
        Frequency::Replacement { payer_claim_number } => ("7", Some(payer_claim_number)),
        Frequency::Void { payer_claim_number } => ("8", Some(payer_claim_number)),
    };
    out.comp(freq);
    out.raw(if c.provider_signature_on_file {
        "Y"
    } else {
        "N"
    });
    out.raw(match c.assignment {
        Assignment::Assigned => "A",
        Assignment::LabServicesOnly => "B",
        Assignment::NotAssigned => "C",
    });
    out.raw(match c.benefits_assignment {
        BenefitsAssignment::Yes => "Y",
        BenefitsAssignment::No => "N",
        BenefitsAssignment::NotApplicable => "W",
    });
    out.raw(match c.release_of_information {
        ReleaseOfInformation::Yes => "Y",
        ReleaseOfInformation::Informed => "I",
    });
    out.end();
    if let Some(number) = original {
        out.seg("REF")
            .raw("F8")
            .id(number, "claim.frequency.payer_claim_number", 1, 50)?;
        out.end();
    }
    out.seg("HI");
    for (i, dx) in c.diagnoses.iter().enumerate() {
        let undotted: Cow<'_, str> = if dx.contains('.') {
            Cow::Owned(dx.replace('.', ""))
        } else {
            Cow::Borrowed(dx)
        };
        let v = code(out, &undotted, "claim.diagnoses", 3, 7)?;
        out.raw(if i == 0 { "ABK" } else { "ABF" }).comp(&v);
    }
    out.end();
    if let Some(p) = &c.referring_provider {
        provider(out, "DN", p, &REFERRING, "referring_provider.npi")?;
    }
    if let Some(p) = &c.rendering_provider {
        provider(out, "82", p, &RENDERING, "rendering_provider.npi")?;
        if let Some(t) = &p.taxonomy {
            out.seg("PRV")
                .raw("PE")
                .raw("PXC")
                .id(t, "rendering_provider.taxonomy", 10, 10)?;
            out.end();
        }
    }
    super::cob_loops::other_payers(out, c)?;
    for (i, l) in c.lines.iter().enumerate() {
        out.line = Some(i);
        line(out, i + 1, l, &c.place_of_service, c.diagnoses.len())?;
        super::cob_loops::line_payments(out, c, i + 1)?;
    }
    out.line = None;
    Ok(())
}

const REFERRING: NameFields = NameFields {
    last_or_org: "referring_provider.last_name",
    first: "referring_provider.first_name",
    middle: "referring_provider.middle_name",
    suffix: "referring_provider.suffix",
};

const RENDERING: NameFields = NameFields {
    last_or_org: "rendering_provider.last_name",
    first: "rendering_provider.first_name",
    middle: "rendering_provider.middle_name",
    suffix: "rendering_provider.suffix",
};

fn provider(
    out: &mut Out,
    entity: &str,
    p: &ClaimProvider,
    f: &NameFields,
    npi_field: &'static str,
) -> Res {
    check_npi(out, &p.npi, npi_field)?;
    let name = Name::Person {
        last: p.last_name.clone(),
        first: p.first_name.clone(),
        middle: None,
        suffix: None,
    };
    nm1(out, entity, &name, f, Some(("XX", &p.npi, npi_field)))
}

/// Loop 2400 (and 2410).
fn line(out: &mut Out, number: usize, l: &ServiceLine, claim_pos: &str, diagnoses: usize) -> Res {
    count(out, "lines.modifiers", l.modifiers.len(), 0, 4)?;
    count(
        out,
        "lines.diagnosis_pointers",
        l.diagnosis_pointers.len(),
        1,
        4,
    )?;
    if l.charge_cents < 0 {
        return Err(out.err(
            "lines.charge_cents",
            Problem::Invalid("must not be negative"),
        ));
    }
    if l.units == 0 {
        return Err(out.err("lines.units", Problem::Invalid("at least 1")));
    }
    out.seg("LX").num(number as u64);
    out.end();
    let proc_code = code(out, &l.procedure_code, "lines.procedure_code", 1, 48)?;
    out.seg("SV1").raw("HC").comp(&proc_code);
    for m in &l.modifiers {
        let m = code(out, m, "lines.modifiers", 2, 2)?;
        out.comp(&m);
    }
    out.money(l.charge_cents).raw("UN").num(u64::from(l.units));
    match &l.place_of_service {
        Some(p) if p != claim_pos => {
            let p = code(out, p, "lines.place_of_service", 2, 2)?;
            out.raw(&p);
        }
        _ => {
            out.skip(1);
        }
    }
    out.skip(1);
    for (i, &p) in l.diagnosis_pointers.iter().enumerate() {
        if p == 0 || usize::from(p) > diagnoses {
            return Err(out.err(
                "lines.diagnosis_pointers",
                Problem::Invalid("points past the diagnoses"),
            ));
        }
        if l.diagnosis_pointers[..i].contains(&p) {
            return Err(out.err(
                "lines.diagnosis_pointers",
                Problem::Invalid("repeated pointer"),
            ));
        }
        if i == 0 {
            out.num(u64::from(p));
        } else {
            out.buf.push(escape::COMPONENT);
            let _ = write!(out.buf, "{p}");
        }
    }
    out.end();
    out.seg("DTP").raw("472").raw("D8").date(l.date_of_service);
    out.end();
    // REF*6R, the line item control number: the line's 1-based position in the claim, unique
    // within it. Payers echo it in the 835 (2110 REF*6R), which is how remittance lines are
    // matched back to our lines.
    out.seg("REF").raw("6R").num(number as u64);
    out.end();
    if let Some(d) = &l.drug {
        if d.quantity_thousandths == 0 {
            return Err(out.err(
                "lines.drug.quantity_thousandths",
                Problem::Invalid("at least 0.001"),
            ));
        }
        out.seg("LIN")
            .skip(1)
            .raw("N4")
            .digits(&d.ndc, "lines.drug.ndc", 11, 11)?;
        out.end();
        let unit = code(out, &d.unit, "lines.drug.unit", 2, 2)?;
        out.seg("CTP").skip(3);
        out.buf.push(escape::ELEMENT);
        escape::push_thousandths(&mut out.buf, d.quantity_thousandths);
        out.raw(&unit);
        out.end();
    }
    Ok(())
}
