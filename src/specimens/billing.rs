//! The billing link: a received specimen adds its ordered tests (and venipuncture 36415 for a
//! blood draw) as service lines to its encounter, once; a rejected specimen puts the lines it
//! added on hold, and the encounter's scrubber then reports why (`specimen.rejected`). Both
//! run inside the transition's transaction, through the encounter service (pricing, scrub,
//! version, audit). Settings: docs/specimens.md.

use super::model::Specimen;
use crate::auth::RequestCtx;
use crate::codesets::CodeTables;
use crate::db::AnyConnection;
use crate::encounters::fees;
use crate::encounters::model::{Line, LineId};
use crate::encounters::service::{self as enc_service, Edit};
use crate::encounters::store as enc_store;
use crate::error::DomainResult;

/// The venipuncture code added for a blood draw.
pub const VENIPUNCTURE: &str = "36415";
/// Specimen types drawn by venipuncture (HL7 0487).
pub const VENOUS_BLOOD_TYPES: [&str; 7] = ["BLD", "BLDV", "SER", "PLAS", "PPP", "PRP", "TSERU"];

/// The office's billing-link settings (read by `config::lab_billing_from_env`, held in
/// `AppState::lab_billing`, so a test can turn them off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Add lines to the encounter on receipt (`MEDBILL_LAB_BILLING_LINK`, default true).
    pub link: bool,
    /// Add 36415 for a blood draw (`MEDBILL_LAB_ADDS_VENIPUNCTURE`, default true).
    pub venipuncture: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            link: true,
            venipuncture: true,
        }
    }
}

/// On receipt: adds the specimen's lines to its open (or on-hold) encounter and sets
/// `billed_lines_added`; returns a note for the custody event when something was done or
/// skipped.
pub fn on_received(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    cfg: Settings,
    sp: &mut Specimen,
) -> DomainResult<Option<String>> {
    let (Some(eid), false, true) = (sp.encounter_id, sp.billed_lines_added, cfg.link) else {
        return Ok(None);
    };
    let Some(header) = enc_store::find_header(c, eid)? else {
        return Ok(Some(
            "billing: the encounter no longer exists; no lines added".into(),
        ));
    };
    let editable = header.status.editable();
    if !editable {
        return Ok(Some(format!(
            "billing: the encounter is {}; no lines added",
            header.status
        )));
    }
    let mut codes_to_add: Vec<(String, String)> = sp
        .tests
        .iter()
        .map(|t| {
            (
                t.code.clone(),
                t.code_system.clone().unwrap_or_else(|| "cpt".into()),
            )
        })
        .collect();
    let blood = VENOUS_BLOOD_TYPES.contains(&sp.specimen_type.as_str());
    let mut unpriced = Vec::new();
    let mut lines = Vec::new();
    let doc = enc_store::load(c, eid)?;
    let has_venipuncture = doc.as_ref().is_some_and(|d| {
        d.lines.iter().any(|l| l.code == VENIPUNCTURE)
            || codes_to_add.iter().any(|(c, _)| c == VENIPUNCTURE)
    });
    if cfg.venipuncture && blood && !has_venipuncture {
        codes_to_add.push((VENIPUNCTURE.into(), "cpt".into()));
    }
    for (code, system) in codes_to_add {
        let price = fees::store::lookup(c, header.payer_id, &code, &[], header.date_of_service)?;
        if price.is_none() {
            unpriced.push(code.clone());
        }
        lines.push(Line {
            id: LineId::new(),
            code,
            code_system: system,
            modifiers: Vec::new(),
            units: 1,
            charge_cents: price.unwrap_or(0),
            charge_source: if price.is_some() {
                "fee_schedule"
            } else {
                "entered"
            }
            .into(),
            diagnosis_pointers: vec![1],
            date_of_service: None,
            place_of_service: None,
            ndc: None,
            ndc_quantity: None,
            ndc_unit: None,
            specimen_id: Some(sp.id.0),
            on_hold: false,
        });
    }
    let added: Vec<String> = lines.iter().map(|l| l.code.clone()).collect();
    enc_service::mutate_in(
        c,
        codes,
        ctx,
        eid,
        None,
        "add_specimen_lines",
        move |_, cur| {
            let mut doc = cur.clone();
            doc.lines.extend(lines);
            Ok(Edit::of(doc))
        },
    )?;
    sp.billed_lines_added = true;
    let mut note = format!("billing: added {} to the encounter", added.join(", "));
    if !unpriced.is_empty() {
        note.push_str(&format!(
            " (no fee schedule prices {}: charge 0, enter it)",
            unpriced.join(", ")
        ));
    }
    Ok(Some(note))
}

/// On rejection: puts the lines this specimen added on hold (the encounter's scrubber then
/// reports `specimen.rejected` on each); returns a note for the custody event.
pub fn on_rejected(
    c: &mut AnyConnection,
    codes: &CodeTables,
    ctx: &RequestCtx,
    sp: &Specimen,
) -> DomainResult<Option<String>> {
    let (Some(eid), true) = (sp.encounter_id, sp.billed_lines_added) else {
        return Ok(None);
    };
    let Some(doc) = enc_store::load(c, eid)? else {
        return Ok(None);
    };
    let ours = |l: &Line| l.specimen_id == Some(sp.id.0);
    let count = doc.lines.iter().filter(|l| ours(l) && !l.on_hold).count();
    if count == 0 {
        return Ok(None);
    }
    let editable = doc.header.status.editable();
    if !editable {
        return Ok(Some(format!(
            "billing: the encounter is {}; its lines from this specimen were not held: correct the claim",
            doc.header.status
        )));
    }
    let id = sp.id.0;
    enc_service::mutate_in(
        c,
        codes,
        ctx,
        eid,
        None,
        "hold_specimen_lines",
        move |_, cur| {
            let mut doc = cur.clone();
            for l in doc.lines.iter_mut().filter(|l| l.specimen_id == Some(id)) {
                l.on_hold = true;
            }
            Ok(Edit::of(doc))
        },
    )?;
    Ok(Some(format!(
        "billing: {count} encounter line(s) put on hold"
    )))
}
