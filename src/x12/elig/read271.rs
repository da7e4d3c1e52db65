//! The 271 reader: walks the segments once, keeping the HL level it is in (payer, provider,
//! subscriber, dependent), whether it is inside an EB loop (2110) and inside LS/LE (2120).
//! Money that cannot be read refuses the file; other deviations become warnings.

use chrono::NaiveDate;

use super::super::ack277::parse_money;
use super::super::codes::Coded;
use super::super::error::ReadError;
use super::super::parse::{self, Seg};
use super::codes;
use super::model::{Benefit, DateInfo, Eligibility, Entity, Member, Reference, Rejection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    None,
    Source,
    Receiver,
    Subscriber,
    Dependent,
}

/// Where the last NM1 went (N3/N4/PER/PRV add to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    None,
    Level,
    BenefitEntity,
}

struct Walk {
    level: Level,
    in_benefit: bool,
    in_2120: bool,
    named: Named,
    repetition: char,
    component: char,
}

/// Reads a 271 interchange (the first 271 transaction set in it).
pub fn read_271(text: &str) -> Result<Eligibility, ReadError> {
    let segs = parse::segments(text)?;
    let isa = &segs[0];
    let repetition = isa.el(11).chars().next().unwrap_or('^');
    let component = isa.el(16).chars().next().unwrap_or(':');
    let (isa13, st) = parse::transaction(&segs, "271")?;
    let mut out = Eligibility {
        interchange_control_number: isa13.to_string(),
        reference: None,
        trace_number: None,
        source: None,
        receiver: None,
        rejections: Vec::new(),
        subscriber: None,
        dependent: None,
        warnings: Vec::new(),
    };
    let mut w = Walk {
        level: Level::None,
        in_benefit: false,
        in_2120: false,
        named: Named::None,
        repetition,
        component,
    };
    for (i, s) in st.iter().enumerate() {
        segment(&mut out, &mut w, s).map_err(|why| {
            ReadError::Structure(format!("segment {} ({}): {why}", i + 1, s.id()))
        })?;
    }
    if out.source.is_none() {
        return Err(ReadError::Structure(
            "no information source (HL*20 with NM1*PR)".into(),
        ));
    }
    Ok(out)
}

fn segment(out: &mut Eligibility, w: &mut Walk, s: &Seg<'_>) -> Result<(), String> {
    match s.id() {
        "ST" | "SE" => {}
        "BHT" => out.reference = s.opt(3).map(str::to_string),
        "HL" => {
            w.level = match s.el(3) {
                "20" => Level::Source,
                "21" => Level::Receiver,
                "22" => {
                    out.subscriber = Some(empty_member());
                    Level::Subscriber
                }
                "23" => {
                    out.dependent = Some(empty_member());
                    Level::Dependent
                }
                other => return Err(format!("unknown HL level code {other:?}")),
            };
            w.in_benefit = false;
            w.in_2120 = false;
            w.named = Named::None;
        }
        "TRN" => {
            if s.el(1) == "2" && out.trace_number.is_none() {
                out.trace_number = s.opt(2).map(str::to_string);
            }
        }
        "NM1" => {
            let e = entity(s);
            if w.in_2120 {
                benefit(out, w)?.entities.push(e);
                w.named = Named::BenefitEntity;
                return Ok(());
            }
            match w.level {
                Level::Source => out.source = Some(e),
                Level::Receiver => out.receiver = Some(e),
                Level::Subscriber | Level::Dependent => member(out, w)?.entity = e,
                Level::None => return Err("NM1 before any HL".into()),
            }
            w.named = Named::Level;
        }
        "N3" | "N4" | "PER" | "PRV" => {
            if let Some(e) = named(out, w) {
                add_detail(e, s);
            } else {
                out.warnings
                    .push(format!("{} without a name before it; ignored", s.id()));
            }
        }
        "REF" => {
            let r = Reference {
                qualifier: s.el(1).to_string(),
                value: s.el(2).to_string(),
                description: s.opt(3).map(str::to_string),
            };
            if w.in_benefit && !w.in_2120 {
                benefit(out, w)?.references.push(r);
            } else if !w.in_2120 {
                member(out, w)?.references.push(r);
            }
        }
        "DMG" => {
            let m = member(out, w)?;
            m.birth_date = date8(s.el(2));
            m.sex = s.opt(3).map(str::to_string);
        }
        "INS" => {
            let m = member(out, w)?;
            m.relationship = s.opt(2).map(str::to_string);
            m.corrected = s.el(3) == "001";
        }
        "DTP" => {
            let Some(d) = dtp(s) else {
                out.warnings
                    .push(format!("DTP*{} has an unreadable date; ignored", s.el(1)));
                return Ok(());
            };
            if w.in_benefit {
                benefit(out, w)?.dates.push(d);
            } else {
                member(out, w)?.dates.push(d);
            }
        }
        "AAA" => {
            let level = match (w.level, w.in_benefit) {
                (_, true) => "benefit",
                (Level::Source, _) => "source",
                (Level::Receiver, _) => "receiver",
                (Level::Subscriber, _) => "subscriber",
                (Level::Dependent, _) => "dependent",
                (Level::None, _) => return Err("AAA before any HL".into()),
            };
            let r = Rejection {
                level,
                valid_request: s.el(1) == "Y",
                reason: Coded::new(s.el(3), codes::reject_reason),
                follow_up: Coded::new(s.el(4), codes::follow_up),
            };
            match w.level {
                _ if w.in_benefit => benefit(out, w)?.rejections.push(r),
                Level::Source | Level::Receiver => out.rejections.push(r),
                _ => member(out, w)?.rejections.push(r),
            }
        }
        "EB" => {
            let b = eb(s, w)?;
            member(out, w)?.benefits.push(b);
            w.in_benefit = true;
            w.in_2120 = false;
            w.named = Named::None;
        }
        "MSG" => {
            if let Some(text) = s.opt(1) {
                benefit(out, w)?.messages.push(text.to_string());
            }
        }
        "III" => {
            let v = format!("{}:{}", s.el(1), s.el(2));
            benefit(out, w)?.additional.push(v);
        }
        "LS" => w.in_2120 = true,
        "LE" => {
            w.in_2120 = false;
            w.named = Named::None;
        }
        // Health care services delivery, health care diagnosis codes and military personnel
        // information: nothing the front desk summary uses; the raw 271 is kept.
        "HSD" | "HI" | "MPI" => {}
        other => out
            .warnings
            .push(format!("segment {other} not expected in a 271; ignored")),
    }
    Ok(())
}

fn empty_member() -> Member {
    Member {
        entity: Entity {
            role: Coded::new("", codes::entity),
            person: true,
            name: String::new(),
            first_name: None,
            middle_name: None,
            id_qualifier: None,
            id: None,
            address: Vec::new(),
            contacts: Vec::new(),
        },
        birth_date: None,
        sex: None,
        relationship: None,
        corrected: false,
        references: Vec::new(),
        dates: Vec::new(),
        rejections: Vec::new(),
        benefits: Vec::new(),
    }
}

fn member<'a>(out: &'a mut Eligibility, w: &Walk) -> Result<&'a mut Member, String> {
    let m = match w.level {
        Level::Subscriber => out.subscriber.as_mut(),
        Level::Dependent => out.dependent.as_mut(),
        _ => None,
    };
    m.ok_or_else(|| "only allowed in a subscriber or dependent loop".to_string())
}

fn benefit<'a>(out: &'a mut Eligibility, w: &Walk) -> Result<&'a mut Benefit, String> {
    member(out, w)?
        .benefits
        .last_mut()
        .ok_or_else(|| "only allowed after an EB".to_string())
}

fn named<'a>(out: &'a mut Eligibility, w: &Walk) -> Option<&'a mut Entity> {
    match w.named {
        Named::None => None,
        Named::BenefitEntity => benefit(out, w).ok()?.entities.last_mut(),
        Named::Level => match w.level {
            Level::Source => out.source.as_mut(),
            Level::Receiver => out.receiver.as_mut(),
            Level::Subscriber => out.subscriber.as_mut().map(|m| &mut m.entity),
            Level::Dependent => out.dependent.as_mut().map(|m| &mut m.entity),
            Level::None => None,
        },
    }
}

fn entity(s: &Seg<'_>) -> Entity {
    Entity {
        role: Coded::new(s.el(1), codes::entity),
        person: s.el(2) == "1",
        name: s.el(3).to_string(),
        first_name: s.opt(4).map(str::to_string),
        middle_name: s.opt(5).map(str::to_string),
        id_qualifier: s.opt(8).map(str::to_string),
        id: s.opt(9).map(str::to_string),
        address: Vec::new(),
        contacts: Vec::new(),
    }
}

fn add_detail(e: &mut Entity, s: &Seg<'_>) {
    match s.id() {
        "N3" | "N4" => {
            let line: Vec<&str> = s.rest(1).collect();
            e.address.push(line.join(" "));
        }
        "PER" => {
            // PER03/04, 05/06, 07/08: qualifier and number pairs.
            for i in [3, 5, 7] {
                if let (Some(q), Some(v)) = (s.opt(i), s.opt(i + 1)) {
                    e.contacts.push(format!("{q}:{v}"));
                }
            }
        }
        _ => {}
    }
}

fn date8(v: &str) -> Option<NaiveDate> {
    if v.len() != 8 {
        return None;
    }
    NaiveDate::parse_from_str(v, "%Y%m%d").ok()
}

fn dtp(s: &Seg<'_>) -> Option<DateInfo> {
    let (from, to) = match s.el(2) {
        "D8" => (date8(s.el(3))?, None),
        "RD8" => {
            let (a, b) = s.el(3).split_once('-')?;
            (date8(a)?, Some(date8(b)?))
        }
        _ => return None,
    };
    Some(DateInfo {
        qualifier: Coded::new(s.el(1), codes::date_qualifier),
        from,
        to,
    })
}

/// A decimal percent (`0.2`, `.15`, `1`) as basis points (2000, 1500, 10000).
pub(crate) fn basis_points(v: &str) -> Option<i64> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 4
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (int.is_empty() && frac.is_empty())
    {
        return None;
    }
    let whole: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut part: i64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        part += i64::from(b - b'0') * 10_i64.pow(3 - i as u32);
    }
    whole.checked_mul(10_000)?.checked_add(part)
}

fn eb(s: &Seg<'_>, w: &Walk) -> Result<Benefit, String> {
    let amount_cents = match s.opt(7) {
        None => None,
        Some(v) => Some(parse_money(v).ok_or_else(|| format!("EB07 {v:?} is not an amount"))?),
    };
    let percent_basis_points = match s.opt(8) {
        None => None,
        Some(v) => Some(basis_points(v).ok_or_else(|| format!("EB08 {v:?} is not a percent"))?),
    };
    let procedure = s.opt(13).map(|p| {
        p.split(w.component)
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join(":")
    });
    Ok(Benefit {
        info: Coded::new(s.el(1), codes::benefit_info),
        coverage_level: s.opt(2).map(|c| Coded::new(c, codes::coverage_level)),
        service_types: s
            .el(3)
            .split(w.repetition)
            .filter(|c| !c.is_empty())
            .map(|c| Coded::new(c, codes::service_type))
            .collect(),
        insurance_type: s.opt(4).map(str::to_string),
        plan: s.opt(5).map(str::to_string),
        time_period: s.opt(6).map(|c| Coded::new(c, codes::time_period)),
        amount_cents,
        percent_basis_points,
        quantity_qualifier: s.opt(9).map(str::to_string),
        quantity: s.opt(10).map(str::to_string),
        authorization_required: match s.el(11) {
            "Y" => Some(true),
            "N" => Some(false),
            _ => None,
        },
        in_network: s.opt(12).map(str::to_string),
        procedure,
        references: Vec::new(),
        dates: Vec::new(),
        rejections: Vec::new(),
        messages: Vec::new(),
        additional: Vec::new(),
        entities: Vec::new(),
    })
}
