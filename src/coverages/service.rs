//! Coverage rules that need other records: the patient and payer must be active, and with
//! relationship 18 (self) the subscriber is the patient.

use chrono::NaiveDate;
use validator::{ValidationError, ValidationErrors};

use super::model::{Coverage, CoveragePatch, NewCoverage, SELF};
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult};
use crate::patients::model::{Patient, PatientId};
use crate::payers::model::PayerId;
use crate::{patients, payers, validation};

/// The subscriber fields a request sent; each may be absent.
#[derive(Debug, Clone, Default)]
pub struct Subscriber {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Sex.
    pub sex: Option<String>,
}

impl From<&NewCoverage> for Subscriber {
    fn from(n: &NewCoverage) -> Self {
        Subscriber {
            first_name: n.subscriber_first_name.clone(),
            last_name: n.subscriber_last_name.clone(),
            birth_date: n.subscriber_birth_date,
            sex: n.subscriber_sex.clone(),
        }
    }
}

/// With relationship 18 each subscriber field sent must match the patient's record (names
/// compared without case), so a claim never carries two versions of one person.
pub fn check_self_subscriber(s: &Subscriber, patient: &Patient, errors: &mut ValidationErrors) {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let mismatches = [
        (
            "subscriber_first_name",
            s.first_name
                .as_deref()
                .is_some_and(|v| !same(v, &patient.first_name)),
        ),
        (
            "subscriber_last_name",
            s.last_name
                .as_deref()
                .is_some_and(|v| !same(v, &patient.last_name)),
        ),
        (
            "subscriber_birth_date",
            s.birth_date.is_some_and(|d| d != patient.birth_date),
        ),
        (
            "subscriber_sex",
            s.sex.as_deref().is_some_and(|v| v != patient.sex),
        ),
    ];
    for (field, _) in mismatches.into_iter().filter(|(_, bad)| *bad) {
        let e = ValidationError::new("not_patient").with_message(
            "with relationship 18 (self) the subscriber is the patient: leave this out or match the patient".into(),
        );
        errors.add(field, e);
    }
}

/// Loads the patient and checks that both it and the payer exist and are active, reporting
/// each failure at its own field.
pub fn active_references(
    conn: &mut AnyConnection,
    patient_id: PatientId,
    payer_id: PayerId,
) -> DomainResult<Patient> {
    let patient = patients::store::find(conn, patient_id)?;
    let payer = payers::store::find(conn, payer_id)?;
    let mut errors = Vec::new();
    let active = patient.as_ref().map(|p| p.active);
    validation::reference(&mut errors, "/patient_id", "patient", active);
    let active = payer.as_ref().map(|p| p.active);
    validation::reference(&mut errors, "/payer_id", "payer", active);
    match patient {
        Some(p) if errors.is_empty() => Ok(p),
        _ => Err(DomainError::validation(errors)),
    }
}

/// Drops the subscriber fields when the patient is the subscriber: a stored copy of the
/// patient's own details could drift from the patient record.
pub fn without_self_subscriber(mut c: Coverage) -> Coverage {
    if c.relationship_code == SELF {
        c.subscriber_first_name = None;
        c.subscriber_last_name = None;
        c.subscriber_birth_date = None;
        c.subscriber_sex = None;
    }
    c
}

impl CoveragePatch {
    /// Applies the patch to `c` for `patient` (the coverage's patient) and re-checks the whole
    /// record. With relationship 18 the subscriber fields sent must match the patient, and the
    /// stored subscriber is cleared.
    pub fn apply(self, mut c: Coverage, patient: &Patient) -> Result<Coverage, ValidationErrors> {
        let sent = Subscriber {
            first_name: self.subscriber_first_name.clone().flatten(),
            last_name: self.subscriber_last_name.clone().flatten(),
            birth_date: self.subscriber_birth_date.flatten(),
            sex: self.subscriber_sex.clone().flatten(),
        };
        c.member_id = self.member_id.unwrap_or(c.member_id);
        c.group_number = self.group_number.unwrap_or(c.group_number);
        c.relationship_code = self.relationship_code.unwrap_or(c.relationship_code);
        c.subscriber_first_name = self
            .subscriber_first_name
            .unwrap_or(c.subscriber_first_name);
        c.subscriber_last_name = self.subscriber_last_name.unwrap_or(c.subscriber_last_name);
        c.subscriber_birth_date = self
            .subscriber_birth_date
            .unwrap_or(c.subscriber_birth_date);
        c.subscriber_sex = self.subscriber_sex.unwrap_or(c.subscriber_sex);
        c.priority = self.priority.unwrap_or(c.priority);
        c.effective_from = self.effective_from.unwrap_or(c.effective_from);
        c.effective_to = self.effective_to.unwrap_or(c.effective_to);
        let checked = NewCoverage::from(&c).trimmed();
        let mut errors = checked.check();
        if c.relationship_code == SELF {
            check_self_subscriber(&sent, patient, &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        c.member_id = checked.member_id;
        c.group_number = checked.group_number;
        c.subscriber_first_name = checked.subscriber_first_name;
        c.subscriber_last_name = checked.subscriber_last_name;
        Ok(without_self_subscriber(c))
    }
}
