//! Building a check (the 270 from the coverage, patient, payer and provider) and finishing it
//! (reading the 271 into the summary and the corrections). Each runs inside the caller's
//! write transaction; the network exchange happens between the two, outside any.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{split_types, CheckId, CheckRequest, CheckRow, CheckStatus};
use super::summary::{corrections, summarize, Correction};
use crate::claims::{control, settings::SubmitterSettings, to_x12};
use crate::coverages::model::{Coverage, CoverageId, SELF};
use crate::db::schema_encounters::encounters as en;
use crate::db::types::Timestamp;
use crate::db::AnyConnection;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::patients::model::Patient;
use crate::providers::model::{Provider, ProviderId};
use crate::x12::elig::{read_271, write_270, Inquiry, InquiryPerson, InquiryProvider};
use crate::{coverages, patients, payers, providers};

/// Most service types in one inquiry (the guide allows 99 EQ; payers answer a few).
pub const MAX_SERVICE_TYPES: usize = 10;

/// Checks the request's fields, naming each bad one.
pub fn validate(req: &CheckRequest) -> DomainResult<Vec<String>> {
    let mut errors = Vec::new();
    if req.service_types.len() > MAX_SERVICE_TYPES {
        errors.push(FieldError::new(
            "/service_types",
            "too_many",
            format!("at most {MAX_SERVICE_TYPES} service types"),
        ));
    }
    let mut types: Vec<String> = Vec::new();
    for (i, t) in req.service_types.iter().enumerate() {
        let t = t.trim().to_ascii_uppercase();
        if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push(FieldError::new(
                format!("/service_types/{i}"),
                "invalid_service_type",
                "a service type code is 1 or 2 letters or digits (30, 98, MH, ...)",
            ));
        } else if !types.contains(&t) {
            types.push(t);
        }
    }
    if errors.is_empty() {
        Ok(types)
    } else {
        Err(DomainError::validation(errors))
    }
}

/// The subscriber as medbill knows them (the patient with relationship 18).
pub fn subscriber(cv: &Coverage, patient: &Patient) -> InquiryPerson {
    let is_self = cv.relationship_code == SELF;
    InquiryPerson {
        last_name: if is_self {
            patient.last_name.clone()
        } else {
            cv.subscriber_last_name.clone().unwrap_or_default()
        },
        first_name: if is_self {
            Some(patient.first_name.clone())
        } else {
            cv.subscriber_first_name.clone()
        },
        member_id: Some(cv.member_id.clone()),
        group_number: cv.group_number.clone(),
        birth_date: if is_self {
            Some(patient.birth_date)
        } else {
            cv.subscriber_birth_date
        },
        sex: if is_self {
            Some(patient.sex.clone())
        } else {
            cv.subscriber_sex.clone()
        },
    }
}

fn provider_for(
    conn: &mut AnyConnection,
    cv: &Coverage,
    date: NaiveDate,
    given: Option<ProviderId>,
) -> DomainResult<Provider> {
    let id = match given {
        Some(id) => Some(id),
        None => en::table
            .filter(en::coverage_id.eq(cv.id))
            .filter(en::date_of_service.eq(date))
            .filter(en::billing_provider_id.is_not_null())
            .order(en::created_at.desc())
            .select(en::billing_provider_id)
            .first::<Option<ProviderId>>(conn)
            .optional()?
            .flatten(),
    };
    let found = match id {
        Some(id) => providers::store::find(conn, id)?.filter(|p| p.active),
        None => None,
    };
    found.ok_or_else(|| {
        let why = if given.is_some() {
            "no active provider has this id"
        } else {
            "no encounter of this coverage on that date names a billing provider: give provider_id"
        };
        DomainError::validation(vec![FieldError::new(
            "/provider_id",
            "unknown_provider",
            why,
        )])
    })
}

/// Builds the 270 for `coverage` and returns the new check row (not yet stored), taking
/// control numbers from the sender's counters.
pub fn prepare(
    conn: &mut AnyConnection,
    settings: &SubmitterSettings,
    coverage: CoverageId,
    req: &CheckRequest,
    types: &[String],
    channel: &str,
    status: CheckStatus,
) -> DomainResult<CheckRow> {
    let cv = coverages::store::find(conn, coverage)?
        .ok_or_else(|| DomainError::not_found("coverage"))?;
    if !cv.active {
        return Err(DomainError::conflict("this coverage is deactivated"));
    }
    let patient = patients::store::find(conn, cv.patient_id)?.ok_or_else(DomainError::internal)?;
    let payer = payers::store::find(conn, cv.payer_id)?.ok_or_else(DomainError::internal)?;
    let provider = provider_for(conn, &cv, req.date, req.provider_id)?;
    let controls = control::take(conn, &settings.sender_id)?.ok_or_else(|| {
        DomainError::conflict("the X12 control numbers of this sender are used up")
    })?;
    let id = CheckId::new();
    let now = Timestamp::now();
    let inquiry = Inquiry {
        control_number: controls.st as u32,
        reference: id.0.simple().to_string(),
        trace_number: id.0.simple().to_string(),
        trace_originator: originator(&settings.sender_id),
        payer_name: payer.name.clone(),
        payer_id: payer.edi_payer_id.clone(),
        provider: InquiryProvider {
            organization: provider.entity_type != "person",
            name: provider.last_name.clone(),
            first_name: provider.first_name.clone(),
            npi: provider.npi.clone(),
        },
        subscriber: subscriber(&cv, &patient),
        dependent: (cv.relationship_code != SELF).then(|| {
            (
                InquiryPerson {
                    last_name: patient.last_name.clone(),
                    first_name: Some(patient.first_name.clone()),
                    member_id: None,
                    group_number: None,
                    birth_date: Some(patient.birth_date),
                    sex: Some(patient.sex.clone()),
                },
                cv.relationship_code.clone(),
            )
        }),
        date: req.date,
        service_types: types.to_vec(),
    };
    let envelope = to_x12::envelope(settings, controls.isa as u32, now.0.naive_utc());
    let x12 = write_270(&envelope, &inquiry).map_err(|e| {
        DomainError::validation(vec![FieldError::new(
            "",
            "not_sendable",
            format!(
                "the coverage cannot be sent to the payer: {} {}",
                e.field, e.problem
            ),
        )])
    })?;
    Ok(CheckRow {
        id,
        coverage_id: cv.id,
        patient_id: cv.patient_id,
        provider_id: provider.id,
        service_date: req.date,
        service_types: types.join(","),
        status,
        channel: channel.to_string(),
        trace_number: inquiry.trace_number,
        request_x12: x12,
        response_x12: None,
        result: None,
        summary: None,
        active: None,
        error: None,
        correction: None,
        correction_applied_at: None,
        version: 1,
        created_at: now,
        completed_at: None,
    })
}

/// TRN03: `9` and nine characters of the sender id (letters and digits, padded with `0`).
fn originator(sender: &str) -> String {
    let mut s: String = sender
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(9)
        .collect::<String>()
        .to_ascii_uppercase();
    while s.len() < 9 {
        s.push('0');
    }
    format!("9{s}")
}

/// Records the outcome of `row`'s exchange: the 271 text read into the summary and
/// corrections (compared with the coverage as it is now), or the error. Returns the row as
/// saved; a concurrent finish of the same check is a conflict.
pub fn finish(
    conn: &mut AnyConnection,
    mut row: CheckRow,
    outcome: Result<String, String>,
) -> DomainResult<CheckRow> {
    row.completed_at = Some(Timestamp::now());
    row.version += 1;
    match outcome {
        Err(why) => {
            row.status = CheckStatus::Failed;
            row.error = Some(why);
        }
        Ok(text) => {
            match read_271(&text) {
                Err(e) => {
                    row.status = CheckStatus::Failed;
                    row.error = Some(format!("the 271 could not be read: {e}"));
                }
                Ok(e)
                    if e.trace_number
                        .as_deref()
                        .is_some_and(|t| t != row.trace_number) =>
                {
                    row.status = CheckStatus::Failed;
                    row.error = Some("the 271 answers another inquiry (TRN02 differs)".into());
                }
                Ok(e) => {
                    let summary = summarize(&e, &split_types(&row.service_types));
                    let cv = coverages::store::find(conn, row.coverage_id)?
                        .ok_or_else(DomainError::internal)?;
                    let patient = patients::store::find(conn, cv.patient_id)?
                        .ok_or_else(DomainError::internal)?;
                    let fix: Correction = corrections(&e, &subscriber(&cv, &patient));
                    row.status = CheckStatus::Complete;
                    row.active = summary.active;
                    row.summary = Some(to_json(&summary)?);
                    row.result = Some(to_json(&e)?);
                    row.correction = if fix.is_empty() {
                        None
                    } else {
                        Some(to_json(&fix)?)
                    };
                }
            }
            row.response_x12 = Some(text);
        }
    }
    if !super::store::finish(conn, &row)? {
        return Err(DomainError::conflict(
            "this check was finished by another request",
        ));
    }
    let data = serde_json::json!({
        "check_id": row.id, "coverage_id": row.coverage_id, "status": row.status,
    });
    crate::events::record(
        conn,
        crate::events::types::ELIGIBILITY_CHECKED,
        row.id.0,
        row.version,
        data,
    )?;
    Ok(row)
}

fn to_json<T: serde::Serialize>(v: &T) -> DomainResult<String> {
    serde_json::to_string(v).map_err(|_| DomainError::internal())
}
