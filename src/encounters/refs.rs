//! The records an encounter points to (patient, providers, coverage and its payer): loaded for
//! the scrubber, and checked when a write sets or changes them.

use super::model::Encounter;
use crate::coverages::model::Coverage;
use crate::db::AnyConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::patients::model::Patient;
use crate::payers::model::Payer;
use crate::providers::model::{Provider, ProviderId};
use crate::{coverages, patients, providers, validation};

/// The records one encounter refers to.
#[derive(Debug, Clone)]
pub struct Refs {
    /// The patient.
    pub patient: Patient,
    /// The rendering provider, if set.
    pub rendering: Option<Provider>,
    /// The billing provider, if set.
    pub billing: Option<Provider>,
    /// The referring provider, if set.
    pub referring: Option<Provider>,
    /// The coverage billed, if set.
    pub coverage: Option<Coverage>,
    /// The coverage's payer.
    pub payer: Option<Payer>,
}

fn provider(
    found: &[Provider],
    id: Option<ProviderId>,
    changed: bool,
    role: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Provider> {
    let id = id?;
    let pointer = format!("/{role}_provider_id");
    let found = found.iter().find(|p| p.id == id).cloned();
    let active = found.as_ref().map(|p| p.active || !changed);
    match &found {
        _ if !validation::reference(errors, &pointer, "provider", active) => {}
        Some(p) if changed && !p.roles.iter().any(|r| r == role) => errors.push(FieldError::new(
            pointer,
            "wrong_role",
            format!("this provider is not registered as a {role} provider"),
        )),
        _ => {}
    }
    found
}

/// Loads the references of `h` and checks those that are new or changed since `before` (all
/// of them on create): they must exist and be active, providers must have the role they are
/// used in, and the coverage must be the patient's. Sets `h.payer_id` from the coverage.
pub fn check(
    conn: &mut AnyConnection,
    before: Option<&Encounter>,
    h: &mut Encounter,
) -> ApiResult<Refs> {
    let mut errors = Vec::new();
    let patient = patients::store::find(conn, h.patient_id)?;
    let active = patient.as_ref().map(|p| p.active || before.is_some());
    validation::reference(&mut errors, "/patient_id", "patient", active);
    // The three providers in one statement (one often renders and bills).
    let found = providers::store::find_each(
        conn,
        [
            h.rendering_provider_id,
            h.billing_provider_id,
            h.referring_provider_id,
        ],
    )?;
    let rendering = provider(
        &found,
        h.rendering_provider_id,
        before.is_none_or(|b| b.rendering_provider_id != h.rendering_provider_id),
        "rendering",
        &mut errors,
    );
    let billing = provider(
        &found,
        h.billing_provider_id,
        before.is_none_or(|b| b.billing_provider_id != h.billing_provider_id),
        "billing",
        &mut errors,
    );
    let referring = provider(
        &found,
        h.referring_provider_id,
        before.is_none_or(|b| b.referring_provider_id != h.referring_provider_id),
        "referring",
        &mut errors,
    );
    let coverage_changed = before.is_none_or(|b| b.coverage_id != h.coverage_id);
    // The coverage with its payer in one statement.
    let (coverage, payer) = match h.coverage_id {
        None => (None, None),
        Some(id) => match coverages::store::find_with_payer(conn, id)? {
            Some((c, payer)) => (Some(c), payer),
            None => (None, None),
        },
    };
    match (&coverage, h.coverage_id) {
        (None, Some(_)) => errors.push(FieldError::new(
            "/coverage_id",
            "unknown_coverage",
            "no coverage has this id",
        )),
        (Some(c), _) if c.patient_id != h.patient_id => errors.push(FieldError::new(
            "/coverage_id",
            "not_patients_coverage",
            "this coverage belongs to another patient",
        )),
        (Some(c), _) if coverage_changed && !c.active => errors.push(FieldError::new(
            "/coverage_id",
            "inactive",
            "this coverage is deactivated",
        )),
        _ => {}
    }
    h.payer_id = coverage.as_ref().map(|c| c.payer_id);
    match patient {
        Some(patient) if errors.is_empty() => Ok(Refs {
            patient,
            rendering,
            billing,
            referring,
            coverage,
            payer,
        }),
        _ => Err(ApiError::validation(errors)),
    }
}

/// Loads the references of a stored encounter without judging them.
pub fn load(conn: &mut AnyConnection, h: &Encounter) -> ApiResult<Refs> {
    let mut copy = h.clone();
    check(conn, Some(h), &mut copy)
}
