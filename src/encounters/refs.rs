//! The records an encounter points to (patient, providers, coverage and its payer): loaded for
//! the scrubber, and checked when a write sets or changes them.

use std::collections::HashMap;

use diesel::QueryResult;

use super::model::Encounter;
use crate::coverages::model::{Coverage, CoverageId};
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::patients::model::{Patient, PatientId};
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

/// The records some encounters refer to, read once: one encounter's for a single write, or
/// those of a whole chunk of a claim batch (three statements however many encounters).
#[derive(Debug, Default)]
pub struct Loaded {
    patients: HashMap<PatientId, Patient>,
    providers: HashMap<ProviderId, Provider>,
    coverages: HashMap<CoverageId, (Coverage, Option<Payer>)>,
}

impl Loaded {
    /// Reads what the encounter headers `hs` refer to, and the coverages `more` (chosen for a
    /// claim instead of an encounter's own). At most 500 headers.
    pub fn load<'a>(
        conn: &mut AnyConnection,
        hs: impl IntoIterator<Item = &'a Encounter>,
        more: &[CoverageId],
    ) -> QueryResult<Self> {
        let (mut patients, mut providers, mut coverages) = (Vec::new(), Vec::new(), more.to_vec());
        for h in hs {
            patients.push(h.patient_id);
            providers.extend([
                h.rendering_provider_id,
                h.billing_provider_id,
                h.referring_provider_id,
            ]);
            coverages.extend(h.coverage_id);
        }
        let mut providers: Vec<ProviderId> = providers.into_iter().flatten().collect();
        providers.sort_unstable();
        providers.dedup();
        patients.sort_unstable();
        patients.dedup();
        coverages.sort_unstable();
        coverages.dedup();
        let mut out = Loaded::default();
        if !patients.is_empty() {
            out.patients = patients::store::find_many(conn, &patients)?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
        }
        if !providers.is_empty() {
            out.providers = providers::store::find_many(conn, &providers)?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
        }
        if !coverages.is_empty() {
            out.coverages = coverages::store::find_many_with_payer(conn, &coverages)?
                .into_iter()
                .map(|(c, py)| (c.id, (c, py)))
                .collect();
        }
        Ok(out)
    }

    /// The payers of the coverages read, each once.
    pub fn payers(&self) -> Vec<&Payer> {
        let mut out: Vec<&Payer> = Vec::new();
        for p in self.coverages.values().filter_map(|(_, p)| p.as_ref()) {
            if !out.iter().any(|o| o.id == p.id) {
                out.push(p);
            }
        }
        out
    }

    /// Reads one encounter's references with the single-row statements (prepared once and
    /// reused on both backends, unlike the `IN (...)` of [`Loaded::load`]).
    fn one(conn: &mut AnyConnection, h: &Encounter) -> QueryResult<Self> {
        let mut out = Loaded::default();
        if let Some(p) = patients::store::find(conn, h.patient_id)? {
            out.patients.insert(p.id, p);
        }
        // The three providers in one statement (one often renders and bills).
        let found = providers::store::find_each(
            conn,
            [
                h.rendering_provider_id,
                h.billing_provider_id,
                h.referring_provider_id,
            ],
        )?;
        out.providers = found.into_iter().map(|p| (p.id, p)).collect();
        // The coverage with its payer in one statement.
        if let Some(id) = h.coverage_id {
            if let Some(found) = coverages::store::find_with_payer(conn, id)? {
                out.coverages.insert(id, found);
            }
        }
        Ok(out)
    }
}

fn provider(
    found: &HashMap<ProviderId, Provider>,
    id: Option<ProviderId>,
    changed: bool,
    role: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Provider> {
    let id = id?;
    let pointer = format!("/{role}_provider_id");
    let found = found.get(&id).cloned();
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
) -> DomainResult<Refs> {
    let loaded = Loaded::one(conn, h)?;
    check_loaded(&loaded, before, h)
}

/// [`check`] against references already read (`loaded` must hold those of `h`).
pub fn check_loaded(
    loaded: &Loaded,
    before: Option<&Encounter>,
    h: &mut Encounter,
) -> DomainResult<Refs> {
    let mut errors = Vec::new();
    let patient = loaded.patients.get(&h.patient_id).cloned();
    let active = patient.as_ref().map(|p| p.active || before.is_some());
    validation::reference(&mut errors, "/patient_id", "patient", active);
    let found = &loaded.providers;
    let rendering = provider(
        found,
        h.rendering_provider_id,
        before.is_none_or(|b| b.rendering_provider_id != h.rendering_provider_id),
        "rendering",
        &mut errors,
    );
    let billing = provider(
        found,
        h.billing_provider_id,
        before.is_none_or(|b| b.billing_provider_id != h.billing_provider_id),
        "billing",
        &mut errors,
    );
    let referring = provider(
        found,
        h.referring_provider_id,
        before.is_none_or(|b| b.referring_provider_id != h.referring_provider_id),
        "referring",
        &mut errors,
    );
    let coverage_changed = before.is_none_or(|b| b.coverage_id != h.coverage_id);
    let (coverage, payer) = match h.coverage_id.and_then(|id| loaded.coverages.get(&id)) {
        Some((c, payer)) => (Some(c.clone()), payer.clone()),
        None => (None, None),
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
        _ => Err(DomainError::validation(errors)),
    }
}

/// Loads the references of a stored encounter without judging them.
pub fn load(conn: &mut AnyConnection, h: &Encounter) -> DomainResult<Refs> {
    let mut copy = h.clone();
    check(conn, Some(h), &mut copy)
}
