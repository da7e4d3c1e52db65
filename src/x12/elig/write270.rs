//! The 270 writer (005010X279A1): one interchange, one functional group (GS*HS), one
//! transaction set with one inquiry. Hierarchy: 2000A information source (the payer), 2000B
//! information receiver (the provider), 2000C subscriber and, when the patient is a dependent,
//! 2000D. The trace number, date (DTP*291) and service types (EQ) go at the patient's level.

use std::fmt::Write;

use chrono::NaiveDate;

use super::super::claim::Envelope;
use super::super::error::{Problem, X12Error};
use super::super::segment::{Out, Res};
use super::super::writer::{control, date_time, envelope_header, hl};

/// The implementation guide this writer follows (GS08, ST03).
pub const VERSION_270: &str = "005010X279A1";

/// A person named in the inquiry (subscriber or dependent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryPerson {
    /// NM103 family name.
    pub last_name: String,
    /// NM104 given name.
    pub first_name: Option<String>,
    /// NM109 member id (`MI`): required for the subscriber, never sent for a dependent.
    pub member_id: Option<String>,
    /// REF*6P group number (subscriber only).
    pub group_number: Option<String>,
    /// DMG02 birth date.
    pub birth_date: Option<NaiveDate>,
    /// DMG03 sex (`F`, `M`, `U`).
    pub sex: Option<String>,
}

/// The provider asking (loop 2100B).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryProvider {
    /// True for an organisation (NM102 `2`), false for a person (`1`).
    pub organization: bool,
    /// Organisation or family name.
    pub name: String,
    /// Given name of a person.
    pub first_name: Option<String>,
    /// NPI (NM109, qualifier `XX`).
    pub npi: String,
}

/// One eligibility inquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inquiry {
    /// ST02, 1 to 999,999,999.
    pub control_number: u32,
    /// BHT03: our reference for the inquiry (1 to 50 characters); the 271 echoes it.
    pub reference: String,
    /// TRN02: the trace number the 271 returns in its TRN*2 (1 to 50 characters).
    pub trace_number: String,
    /// TRN03: who assigned the trace number, 10 characters (`9` + 9 of our own).
    pub trace_originator: String,
    /// 2100A payer name.
    pub payer_name: String,
    /// 2100A payer id (`PI`).
    pub payer_id: String,
    /// 2100B.
    pub provider: InquiryProvider,
    /// 2100C.
    pub subscriber: InquiryPerson,
    /// 2100D and INS02 (the dependent's relationship to the subscriber), when the patient is
    /// not the subscriber.
    pub dependent: Option<(InquiryPerson, String)>,
    /// DTP*291: the date asked about.
    pub date: NaiveDate,
    /// EQ01 service type codes (`30` health benefit plan coverage when empty).
    pub service_types: Vec<String>,
}

/// Writes the 270 interchange for `inquiry`.
pub fn write_270(envelope: &Envelope, inquiry: &Inquiry) -> Result<String, X12Error> {
    let mut out = Out::new(1024, false);
    envelope_header(&mut out, envelope, "HS", VERSION_270)?;
    transaction(&mut out, envelope, inquiry)?;
    out.seg("GE")
        .raw("1")
        .num(u64::from(envelope.group_control_number));
    out.end();
    out.seg("IEA").raw("1");
    let _ = write!(out.buf, "*{:09}", envelope.interchange_control_number);
    out.end();
    Ok(out.buf)
}

fn transaction(out: &mut Out, e: &Envelope, q: &Inquiry) -> Res {
    control(out, q.control_number, "inquiry.control_number")?;
    out.count = 0;
    out.seg("ST").raw("270");
    let _ = write!(out.buf, "*{:04}", q.control_number);
    out.raw(VERSION_270);
    out.end();
    // BHT02 13: request.
    out.seg("BHT").raw("0022").raw("13");
    out.id(&q.reference, "inquiry.reference", 1, 50)?;
    date_time(out, e.created_at, true);
    out.end();

    hl(out, 1, None, "20", true);
    out.seg("NM1").raw("PR").raw("2");
    out.text(&q.payer_name, "payer.name", 60)?;
    out.skip(4).raw("PI");
    out.id(&q.payer_id, "payer.payer_id", 2, 80)?;
    out.end();

    hl(out, 2, Some(1), "21", true);
    let p = &q.provider;
    out.seg("NM1")
        .raw("1P")
        .raw(if p.organization { "2" } else { "1" });
    out.text(&p.name, "provider.name", 60)?;
    match (&p.first_name, p.organization) {
        (Some(f), false) => out.text(f, "provider.first_name", 35)?,
        _ => out.skip(1),
    };
    out.skip(3).raw("XX");
    out.digits(&p.npi, "provider.npi", 10, 10)?;
    out.end();

    let dependent = q.dependent.as_ref();
    hl(out, 3, Some(2), "22", dependent.is_some());
    if dependent.is_none() {
        trace(out, q)?;
    }
    let s = &q.subscriber;
    let member_id = s
        .member_id
        .as_deref()
        .ok_or_else(|| out.err("subscriber.member_id", Problem::Empty))?;
    name(out, "IL", s, "subscriber")?;
    out.skip(3).raw("MI");
    out.id(member_id, "subscriber.member_id", 2, 80)?;
    out.end();
    if let Some(g) = &s.group_number {
        out.seg("REF").raw("6P");
        out.id(g, "subscriber.group_number", 1, 50)?;
        out.end();
    }
    demographics(out, s, "subscriber.sex")?;
    match dependent {
        None => benefits_asked(out, q)?,
        Some((d, relationship)) => {
            hl(out, 4, Some(3), "23", false);
            trace(out, q)?;
            name(out, "03", d, "dependent")?;
            out.end();
            demographics(out, d, "dependent.sex")?;
            // INS02: only spouse, child and "other adult" exist in the 270.
            let rel = match relationship.as_str() {
                "01" => "01",
                "19" => "19",
                _ => "34",
            };
            out.seg("INS").raw("N").raw(rel);
            out.end();
            benefits_asked(out, q)?;
        }
    }
    let segments = out.count + 1;
    out.seg("SE").num(u64::from(segments));
    let _ = write!(out.buf, "*{:04}", q.control_number);
    out.end();
    Ok(())
}

fn trace(out: &mut Out, q: &Inquiry) -> Res {
    out.seg("TRN").raw("1");
    out.id(&q.trace_number, "inquiry.trace_number", 1, 50)?;
    out.id(&q.trace_originator, "inquiry.trace_originator", 10, 10)?;
    out.end();
    Ok(())
}

/// NM101..NM104 of a person; the caller adds the id (or nothing) and ends the segment.
fn name(out: &mut Out, entity: &str, p: &InquiryPerson, who: &'static str) -> Res {
    let (last, first) = match who {
        "subscriber" => ("subscriber.last_name", "subscriber.first_name"),
        _ => ("dependent.last_name", "dependent.first_name"),
    };
    out.seg("NM1").raw(entity).raw("1");
    out.text(&p.last_name, last, 60)?;
    out.opt_text(p.first_name.as_deref(), first, 35)?;
    Ok(())
}

fn demographics(out: &mut Out, p: &InquiryPerson, sex_field: &'static str) -> Res {
    let Some(birth) = p.birth_date else {
        return Ok(());
    };
    out.seg("DMG").raw("D8").date(birth);
    if let Some(sex) = &p.sex {
        if !matches!(sex.as_str(), "F" | "M" | "U") {
            return Err(out.err(sex_field, Problem::Invalid("F, M or U")));
        }
        out.raw(sex);
    }
    out.end();
    Ok(())
}

fn benefits_asked(out: &mut Out, q: &Inquiry) -> Res {
    out.seg("DTP").raw("291").raw("D8").date(q.date);
    out.end();
    if q.service_types.is_empty() {
        out.seg("EQ").raw("30");
        out.end();
    }
    for t in &q.service_types {
        out.seg("EQ");
        out.id(t, "service_types", 1, 2)?;
        out.end();
    }
    Ok(())
}
