//! The party loops: 1000A submitter, 1000B receiver, 2000A/2010AA billing provider,
//! 2000B/2010BA/2010BB subscriber and payer, 2000C/2010CA patient.

use super::claim::{
    Address, BillingProvider, Demographics, Name, Patient, Payer, Receiver, Responsibility, Sex,
    Submitter, Subscriber,
};
use super::error::{Problem, X12Error};
use super::segment::{Out, Res};

/// Field names of a name and its identifier, for errors.
pub(crate) struct NameFields {
    pub last_or_org: &'static str,
    pub first: &'static str,
    pub middle: &'static str,
    pub suffix: &'static str,
}

/// NM1 with a person or organisation name and, when given, `NM108`/`NM109`.
pub(crate) fn nm1(
    out: &mut Out,
    entity: &str,
    name: &Name,
    f: &NameFields,
    id: Option<(&str, &str, &'static str)>,
) -> Res {
    out.seg("NM1").raw(entity);
    match name {
        Name::Organization(n) => {
            out.raw("2").text(n, f.last_or_org, 60)?.skip(4);
        }
        Name::Person {
            last,
            first,
            middle,
            suffix,
        } => {
            out.raw("1").text(last, f.last_or_org, 60)?;
            out.text(first, f.first, 35)?;
            out.opt_text(middle.as_deref(), f.middle, 25)?;
            out.skip(1);
            out.opt_text(suffix.as_deref(), f.suffix, 10)?;
        }
    }
    if let Some((qualifier, value, field)) = id {
        out.raw(qualifier).id(value, field, 2, 80)?;
    }
    out.end();
    Ok(())
}

/// The name fields of a party, from a prefix known at compile time.
macro_rules! name_fields {
    ($p:literal) => {
        NameFields {
            last_or_org: concat!($p, ".name"),
            first: concat!($p, ".name.first"),
            middle: concat!($p, ".name.middle"),
            suffix: concat!($p, ".name.suffix"),
        }
    };
}

fn person_only(out: &Out, name: &Name, field: &'static str) -> Res {
    match name {
        Name::Person { .. } => Ok(()),
        Name::Organization(_) => Err(out.err(field, Problem::Invalid("must be a person"))),
    }
}

/// N3/N4. `zip9`: the billing provider's ZIP code must have 9 digits.
fn address(out: &mut Out, a: &Address, prefix: &'static [&'static str; 5], zip9: bool) -> Res {
    out.seg("N3").text(&a.line1, prefix[0], 55)?;
    if let Some(l2) = &a.line2 {
        out.text(l2, prefix[1], 55)?;
    }
    out.end();
    out.seg("N4").text(&a.city, prefix[2], 30)?;
    let state = a.state.to_ascii_uppercase();
    if state.len() != 2 || !state.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(out.err(prefix[3], Problem::Invalid("a 2-letter state code")));
    }
    out.raw(&state);
    if zip9 {
        out.digits(&a.postal_code, prefix[4], 9, 9)?;
    } else if a.postal_code.len() != 5 && a.postal_code.len() != 9 {
        return Err(out.err(prefix[4], Problem::Invalid("5 or 9 digits")));
    } else {
        out.digits(&a.postal_code, prefix[4], 5, 9)?;
    }
    out.end();
    Ok(())
}

macro_rules! address_fields {
    ($p:literal) => {
        &[
            concat!($p, ".address.line1"),
            concat!($p, ".address.line2"),
            concat!($p, ".address.city"),
            concat!($p, ".address.state"),
            concat!($p, ".address.postal_code"),
        ]
    };
}

fn dmg(out: &mut Out, d: &Demographics) {
    out.seg("DMG")
        .raw("D8")
        .date(d.birth_date)
        .raw(match d.sex {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unknown => "U",
        });
    out.end();
}

/// Loop 1000A: NM1*41 and PER*IC.
pub(crate) fn submitter(out: &mut Out, s: &Submitter) -> Res {
    let name = match &s.first_name {
        Some(first) => Name::Person {
            last: s.name.clone(),
            first: first.clone(),
            middle: None,
            suffix: None,
        },
        None => Name::Organization(s.name.clone()),
    };
    nm1(
        out,
        "41",
        &name,
        &name_fields!("submitter"),
        Some(("46", &s.id, "submitter.id")),
    )?;
    out.seg("PER")
        .raw("IC")
        .text(&s.contact_name, "submitter.contact_name", 60)?;
    if s.contact_phone.is_none() && s.contact_email.is_none() {
        return Err(out.err(
            "submitter.contact_phone",
            Problem::Invalid("a phone or an email is required"),
        ));
    }
    if let Some(phone) = &s.contact_phone {
        out.raw("TE")
            .digits(phone, "submitter.contact_phone", 10, 20)?;
    }
    if let Some(email) = &s.contact_email {
        if !email.contains('@') {
            return Err(out.err(
                "submitter.contact_email",
                Problem::Invalid("an email address"),
            ));
        }
        out.raw("EM").id(email, "submitter.contact_email", 3, 256)?;
    }
    out.end();
    Ok(())
}

/// Loop 1000B: NM1*40.
pub(crate) fn receiver(out: &mut Out, r: &Receiver) -> Res {
    let name = Name::Organization(r.name.clone());
    nm1(
        out,
        "40",
        &name,
        &name_fields!("receiver"),
        Some(("46", &r.id, "receiver.id")),
    )
}

/// Loop 2000A (after its HL): PRV*BI, then 2010AA NM1*85, N3, N4, REF*EI.
pub(crate) fn billing_provider(out: &mut Out, b: &BillingProvider) -> Res {
    if let Some(t) = &b.taxonomy {
        out.seg("PRV")
            .raw("BI")
            .raw("PXC")
            .id(t, "billing_provider.taxonomy", 10, 10)?;
        out.end();
    }
    check_npi(out, &b.npi, "billing_provider.npi")?;
    nm1(
        out,
        "85",
        &b.name,
        &name_fields!("billing_provider"),
        Some(("XX", &b.npi, "billing_provider.npi")),
    )?;
    address(out, &b.address, address_fields!("billing_provider"), true)?;
    out.seg("REF")
        .raw("EI")
        .digits(&b.ein, "billing_provider.ein", 9, 9)?;
    out.end();
    Ok(())
}

/// Loop 2000B (after its HL): SBR, 2010BA NM1*IL (N3/N4, DMG when the subscriber is the
/// patient), 2010BB NM1*PR.
pub(crate) fn subscriber(out: &mut Out, s: &Subscriber, p: &Payer, is_patient: bool) -> Res {
    out.seg("SBR").raw(match s.responsibility {
        Responsibility::Primary => "P",
        Responsibility::Secondary => "S",
        Responsibility::Tertiary => "T",
    });
    out.raw(if is_patient { "18" } else { "" });
    match &s.group_number {
        Some(g) => out.id(g, "subscriber.group_number", 1, 50)?,
        None => out.skip(1),
    };
    out.skip(5).id(
        &s.claim_filing_indicator,
        "subscriber.claim_filing_indicator",
        1,
        2,
    )?;
    out.end();
    person_only(out, &s.name, "subscriber.name")?;
    nm1(
        out,
        "IL",
        &s.name,
        &name_fields!("subscriber"),
        Some(("MI", &s.member_id, "subscriber.member_id")),
    )?;
    if let Some(a) = &s.address {
        address(out, a, address_fields!("subscriber"), false)?;
    } else if is_patient {
        return Err(out.err("subscriber.address", Problem::Empty));
    }
    if is_patient {
        match &s.demographics {
            Some(d) => dmg(out, d),
            None => return Err(out.err("subscriber.demographics", Problem::Empty)),
        }
    }
    let payer = Name::Organization(p.name.clone());
    nm1(
        out,
        "PR",
        &payer,
        &name_fields!("payer"),
        Some(("PI", &p.payer_id, "payer.payer_id")),
    )
}

/// Loop 2000C (after its HL): PAT, 2010CA NM1*QC, N3, N4, DMG.
pub(crate) fn patient(out: &mut Out, p: &Patient) -> Res {
    const CODES: [&str; 8] = ["01", "19", "20", "21", "39", "40", "53", "G8"];
    if !CODES.contains(&p.relationship_code.as_str()) {
        return Err(out.err(
            "patient.relationship_code",
            Problem::Invalid("01, 19, 20, 21, 39, 40, 53 or G8 (18 self means no patient loop)"),
        ));
    }
    out.seg("PAT").raw(&p.relationship_code);
    out.end();
    person_only(out, &p.name, "patient.name")?;
    nm1(out, "QC", &p.name, &name_fields!("patient"), None)?;
    address(out, &p.address, address_fields!("patient"), false)?;
    dmg(out, &p.demographics);
    Ok(())
}

/// Checks an NPI's length and Luhn check digit (over "80840" + the first 9 digits).
pub(crate) fn check_npi(out: &Out, npi: &str, field: &'static str) -> Result<(), X12Error> {
    let bytes = npi.as_bytes();
    if bytes.len() != 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(out.err(field, Problem::Invalid("10 digits")));
    }
    if crate::validation::luhn::npi_is_valid(npi) {
        Ok(())
    } else {
        Err(out.err(field, Problem::Invalid("NPI check digit")))
    }
}
