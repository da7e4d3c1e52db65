//! The 837P writer: envelopes (ISA/GS/ST/BHT ... SE/GE/IEA), the 1000A/1000B loops and the
//! HL hierarchy. The claim loops (2300/2400) are in [`super::claim_loops`], the party loops in
//! [`super::parties`].

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{Datelike, NaiveDateTime, Timelike};

use super::claim::{
    BillingProvider, ClaimSnapshot, Envelope, Patient, Payer, Subscriber, Transaction, Usage,
};
use super::error::{Problem, X12Error};
use super::escape::{check_id, REPETITION};
use super::segment::{Out, Res};
use super::{claim_loops, parties};

/// The implementation guide this writer follows (GS08, ST03).
pub const VERSION_837P: &str = "005010X222A1";

/// How the text is laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Put a line break after each segment terminator (easier to read; most receivers accept
    /// it, some do not).
    pub line_breaks: bool,
}

/// Writes one interchange holding one functional group (GS*HC) with the given transaction sets.
///
/// Claims of a transaction set are grouped in order of first appearance: one billing provider
/// HL (2000A) per distinct billing provider, under it one subscriber HL (2000B) per distinct
/// subscriber and payer (claims where the subscriber is the patient and claims for dependents
/// get separate 2000B HLs), and one patient HL (2000C) per distinct dependent patient.
pub fn write_837p(
    envelope: &Envelope,
    transactions: &[Transaction],
    options: WriteOptions,
) -> Result<String, X12Error> {
    let claims: usize = transactions.iter().map(|t| t.claims.len()).sum();
    let mut out = Out::new(1024 + claims * 900, options.line_breaks);
    if transactions.is_empty() {
        return Err(out.err(
            "transactions",
            Problem::Count {
                min: 1,
                max: usize::MAX,
                found: 0,
            },
        ));
    }
    interchange_header(&mut out, envelope)?;
    for (i, t) in transactions.iter().enumerate() {
        out.transaction = Some(i);
        transaction(&mut out, envelope, t)?;
    }
    out.transaction = None;
    out.seg("GE")
        .num(transactions.len() as u64)
        .num(u64::from(envelope.group_control_number));
    out.end();
    out.seg("IEA").raw("1");
    let _ = write!(out.buf, "*{:09}", envelope.interchange_control_number);
    out.end();
    // The file ends at IEA's terminator: a break after it is an empty last segment to a
    // strict reader.
    if out.buf.ends_with('\n') {
        out.buf.pop();
    }
    Ok(out.buf)
}

pub(super) fn control(out: &Out, n: u32, field: &'static str) -> Res {
    if (1..=999_999_999).contains(&n) {
        Ok(())
    } else {
        Err(out.err(field, Problem::Invalid("1 to 999999999")))
    }
}

fn qualifier(out: &Out, q: &str, field: &'static str) -> Res {
    const ALLOWED: [&str; 9] = ["01", "14", "20", "27", "28", "29", "30", "33", "ZZ"];
    if ALLOWED.contains(&q) {
        Ok(())
    } else {
        Err(out.err(
            field,
            Problem::Invalid("an ISA id qualifier (01, 14, 20, 27-30, 33, ZZ)"),
        ))
    }
}

fn padded(out: &mut Out, value: &str, field: &'static str) -> Res {
    let v = check_id(value, 1, 15).map_err(|p| out.err(field, p))?;
    let _ = write!(out.buf, "*{v:<15}");
    Ok(())
}

pub(super) fn date_time(out: &mut Out, at: NaiveDateTime, century: bool) {
    let d = at.date();
    if century {
        let _ = write!(out.buf, "*{:04}{:02}{:02}", d.year(), d.month(), d.day());
    } else {
        let _ = write!(
            out.buf,
            "*{:02}{:02}{:02}",
            d.year() % 100,
            d.month(),
            d.day()
        );
    }
    let _ = write!(out.buf, "*{:02}{:02}", at.hour(), at.minute());
}

fn interchange_header(out: &mut Out, e: &Envelope) -> Res {
    envelope_header(out, e, "HC", VERSION_837P)
}

/// ISA and GS for a group of `functional_id` (GS01: `HC` claims, `HS` eligibility inquiries)
/// following implementation guide `version` (GS08).
pub(super) fn envelope_header(
    out: &mut Out,
    e: &Envelope,
    functional_id: &str,
    version: &str,
) -> Res {
    control(
        out,
        e.interchange_control_number,
        "envelope.interchange_control_number",
    )?;
    control(out, e.group_control_number, "envelope.group_control_number")?;
    qualifier(out, &e.sender_qualifier, "envelope.sender_qualifier")?;
    qualifier(out, &e.receiver_qualifier, "envelope.receiver_qualifier")?;
    out.seg("ISA")
        .raw("00")
        .raw("          ")
        .raw("00")
        .raw("          ");
    out.raw(&e.sender_qualifier);
    padded(out, &e.sender_id, "envelope.sender_id")?;
    out.raw(&e.receiver_qualifier);
    padded(out, &e.receiver_id, "envelope.receiver_id")?;
    date_time(out, e.created_at, false);
    let _ = write!(
        out.buf,
        "*{REPETITION}*00501*{:09}",
        e.interchange_control_number
    );
    out.raw(if e.acknowledgment_requested { "1" } else { "0" });
    out.raw(match e.usage {
        Usage::Test => "T",
        Usage::Production => "P",
    });
    out.raw(":");
    out.end_untrimmed();
    out.seg("GS").raw(functional_id);
    out.id(&e.application_sender, "envelope.application_sender", 2, 15)?;
    out.id(
        &e.application_receiver,
        "envelope.application_receiver",
        2,
        15,
    )?;
    date_time(out, e.created_at, true);
    out.num(u64::from(e.group_control_number))
        .raw("X")
        .raw(version);
    out.end();
    Ok(())
}

/// A subscriber HL: one subscriber and payer, either with the subscriber's own claims or with
/// dependents' claims.
struct SubscriberGroup<'a> {
    subscriber: &'a Subscriber,
    payer: &'a Payer,
    own: Vec<usize>,
    dependents: Vec<(&'a Patient, Vec<usize>)>,
}

struct BillingGroup<'a> {
    provider: &'a BillingProvider,
    subscribers: Vec<SubscriberGroup<'a>>,
}

type SubscriberKey<'a> = (usize, &'a Subscriber, &'a Payer, bool);

fn group(claims: &[ClaimSnapshot]) -> Vec<BillingGroup<'_>> {
    let mut groups: Vec<BillingGroup<'_>> = Vec::new();
    let mut providers: HashMap<&BillingProvider, usize> = HashMap::new();
    let mut subscribers: HashMap<SubscriberKey<'_>, usize> = HashMap::new();
    for (i, c) in claims.iter().enumerate() {
        let b = *providers.entry(&c.billing_provider).or_insert_with(|| {
            groups.push(BillingGroup {
                provider: &c.billing_provider,
                subscribers: Vec::new(),
            });
            groups.len() - 1
        });
        let subs = &mut groups[b].subscribers;
        let key = (b, &c.subscriber, &c.payer, c.patient.is_none());
        let s = *subscribers.entry(key).or_insert_with(|| {
            subs.push(SubscriberGroup {
                subscriber: &c.subscriber,
                payer: &c.payer,
                own: Vec::new(),
                dependents: Vec::new(),
            });
            subs.len() - 1
        });
        let sg = &mut subs[s];
        match &c.patient {
            None => sg.own.push(i),
            Some(p) => match sg.dependents.iter_mut().find(|(q, _)| *q == p) {
                Some((_, list)) => list.push(i),
                None => sg.dependents.push((p, vec![i])),
            },
        }
    }
    groups
}

pub(super) fn hl(out: &mut Out, id: u32, parent: Option<u32>, level: &str, children: bool) {
    out.seg("HL").num(u64::from(id));
    match parent {
        Some(p) => out.num(u64::from(p)),
        None => out.skip(1),
    };
    out.raw(level).raw(if children { "1" } else { "0" });
    out.end();
}

fn transaction(out: &mut Out, e: &Envelope, t: &Transaction) -> Res {
    control(out, t.control_number, "transaction.control_number")?;
    if t.claims.is_empty() {
        return Err(out.err(
            "transaction.claims",
            Problem::Count {
                min: 1,
                max: usize::MAX,
                found: 0,
            },
        ));
    }
    out.count = 0;
    out.seg("ST").raw("837");
    let _ = write!(out.buf, "*{:04}", t.control_number);
    out.raw(VERSION_837P);
    out.end();
    out.seg("BHT").raw("0019").raw("00");
    out.id(&t.reference, "transaction.reference", 1, 50)?;
    date_time(out, e.created_at, true);
    out.raw("CH");
    out.end();
    parties::submitter(out, &t.submitter)?;
    parties::receiver(out, &t.receiver)?;

    let mut next_hl = 1u32;
    for bg in group(&t.claims) {
        let bp_hl = next_hl;
        next_hl += 1;
        out.claim = None;
        hl(out, bp_hl, None, "20", true);
        parties::billing_provider(out, bg.provider)?;
        for sg in &bg.subscribers {
            let sub_hl = next_hl;
            next_hl += 1;
            let is_patient = !sg.own.is_empty();
            hl(out, sub_hl, Some(bp_hl), "22", !is_patient);
            out.claim = sg
                .own
                .first()
                .or(sg.dependents.first().and_then(|d| d.1.first()))
                .copied();
            parties::subscriber(out, sg.subscriber, sg.payer, is_patient)?;
            for &i in &sg.own {
                out.claim = Some(i);
                claim_loops::claim(out, &t.claims[i].claim)?;
            }
            for (patient, list) in &sg.dependents {
                hl(out, next_hl, Some(sub_hl), "23", false);
                next_hl += 1;
                out.claim = list.first().copied();
                parties::patient(out, patient)?;
                for &i in list {
                    out.claim = Some(i);
                    claim_loops::claim(out, &t.claims[i].claim)?;
                }
            }
        }
    }
    out.claim = None;
    out.line = None;
    let segments = out.count + 1;
    out.seg("SE").num(u64::from(segments));
    let _ = write!(out.buf, "*{:04}", t.control_number);
    out.end();
    Ok(())
}
