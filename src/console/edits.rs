//! Editing a patient and a coverage: a form with the record's fields and the version the page
//! showed. Saving is `PATCH /v1/patients/{id}` / `PATCH /v1/coverages/{id}`
//! (`patients::routes::update_in`, `coverages::routes::update_in`: the same field rules,
//! version check, audit row and event); a stale page gets the 412 message, a refused field its
//! message beside the form, and nothing changes.

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::de::DeserializeOwned;
use serde::Serialize;
use validator::Validate;

use super::billing::version_of;
use super::page::{html, render, see_other, Chrome, ConsoleError};
use super::queries::{audit_page_reads, with_conn, write, Fields};
use super::session::{CsrfForm, Session};
use crate::auth::roles::Permission;
use crate::coverages::model::{Coverage, CoverageId, CoveragePatch};
use crate::error::{Category, DomainError, DomainResult, FieldError};
use crate::http::problem::status_of;
use crate::patients::model::{Patient, PatientId, PatientPatch};
use crate::state::AppState;
use crate::validation::to_api_error;

/// One field of an edit form.
#[derive(Debug)]
pub struct Spec {
    /// The API's field name.
    name: &'static str,
    /// Its label.
    label: &'static str,
    /// `text` or `date` (an input), or `select` (from `options`).
    kind: &'static str,
    /// `(value, label)` of a select.
    options: &'static [(&'static str, &'static str)],
    /// Required: a blank is sent as is (and refused); otherwise a blank clears the field.
    required: bool,
}

const fn text(name: &'static str, label: &'static str, required: bool) -> Spec {
    Spec {
        name,
        label,
        kind: "text",
        options: &[],
        required,
    }
}

const fn date(name: &'static str, label: &'static str, required: bool) -> Spec {
    Spec {
        name,
        label,
        kind: "date",
        options: &[],
        required,
    }
}

const SEX: &[(&str, &str)] = &[("F", "Female"), ("M", "Male"), ("U", "Unknown")];

static PATIENT: &[Spec] = &[
    text("mrn", "MRN", true),
    text("first_name", "First name", true),
    text("middle_name", "Middle name", false),
    text("last_name", "Last name", true),
    date("birth_date", "Birth date", true),
    Spec {
        name: "sex",
        label: "Sex",
        kind: "select",
        options: SEX,
        required: true,
    },
    text("address_line1", "Street address", false),
    text("address_line2", "Address line 2", false),
    text("city", "City", false),
    text("state", "State (2 letters)", false),
    text("postal_code", "ZIP code", false),
    text("phone", "Phone", false),
];

static COVERAGE: &[Spec] = &[
    text("member_id", "Member id", true),
    text("group_number", "Group number", false),
    Spec {
        name: "relationship_code",
        label: "Patient's relationship to the subscriber",
        kind: "select",
        options: &[
            ("18", "Self"),
            ("01", "Spouse"),
            ("19", "Child"),
            ("20", "Employee"),
            ("21", "Unknown"),
            ("39", "Organ donor"),
            ("40", "Cadaver donor"),
            ("53", "Life partner"),
            ("G8", "Other"),
        ],
        required: true,
    },
    text("subscriber_first_name", "Subscriber first name", false),
    text("subscriber_last_name", "Subscriber last name", false),
    date("subscriber_birth_date", "Subscriber birth date", false),
    Spec {
        name: "subscriber_sex",
        label: "Subscriber sex",
        kind: "select",
        options: &[
            ("", "(none)"),
            ("F", "Female"),
            ("M", "Male"),
            ("U", "Unknown"),
        ],
        required: false,
    },
    Spec {
        name: "priority",
        label: "Priority",
        kind: "select",
        options: &[
            ("primary", "Primary"),
            ("secondary", "Secondary"),
            ("tertiary", "Tertiary"),
        ],
        required: true,
    },
    date("effective_from", "Effective from", true),
    date("effective_to", "Effective to (blank: open-ended)", false),
];

#[derive(Template)]
#[template(path = "edit.html")]
struct EditPage {
    chrome: Chrome,
    action: String,
    back: String,
    version: String,
    specs: &'static [Spec],
    form: Fields,
    detail: Option<String>,
    errors: Vec<FieldError>,
}

impl EditPage {
    fn value(&self, name: &str) -> &str {
        self.form.get(name).map_or("", String::as_str)
    }

    /// The messages of field `name`.
    fn errors_of(&self, name: &str) -> Vec<&str> {
        let pointer = format!("/{name}");
        self.errors
            .iter()
            .filter(|e| e.pointer == pointer)
            .map(|e| e.message.as_str())
            .collect()
    }
}

/// The record's fields as form values (dates as YYYY-MM-DD, absent as blank).
fn values_of<T: Serialize>(record: &T, specs: &[Spec]) -> DomainResult<Fields> {
    let v = serde_json::to_value(record).map_err(|_| DomainError::internal())?;
    Ok(specs
        .iter()
        .map(|s| {
            let value = match &v[s.name] {
                serde_json::Value::String(x) => x.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (s.name.to_string(), value)
        })
        .collect())
}

/// The API's patch body from the form: every field of the form, a blank optional one as
/// `null` (clears it), so the API's parser and messages apply.
fn patch_of<T: DeserializeOwned>(form: &Fields, specs: &[Spec]) -> DomainResult<T> {
    let mut body = serde_json::Map::new();
    for s in specs {
        let Some(v) = form.get(s.name).map(|v| v.trim()) else {
            continue;
        };
        let value = if v.is_empty() && !s.required {
            serde_json::Value::Null
        } else {
            serde_json::Value::from(v)
        };
        body.insert(s.name.to_string(), value);
    }
    let bytes = serde_json::to_vec(&body).map_err(|_| DomainError::internal())?;
    crate::http::json::parse_json(&bytes)
}

/// The form again with the posted values and why it was refused (status of the refusal).
fn refused(
    session: &Session,
    page: (&str, String, String),
    specs: &'static [Spec],
    form: Fields,
    e: DomainError,
) -> Result<HttpResponse, ConsoleError> {
    let (title, action, back) = page;
    let body = EditPage {
        chrome: Chrome::new(session, title),
        action,
        back,
        version: form.get("version").cloned().unwrap_or_default(),
        specs,
        form,
        detail: Some(e.detail.clone()),
        errors: e.errors.clone(),
    }
    .render()
    .map_err(|_| DomainError::internal())?;
    Ok(html(status_of(e.category), body))
}

/// Whether a refusal is shown on the form (a person can fix it) rather than as an error page.
fn on_the_form(e: &DomainError) -> bool {
    matches!(
        e.category,
        Category::Invalid | Category::Stale | Category::Conflict
    )
}

#[get("/patients/{id}/edit")]
async fn edit_patient(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<PatientId>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::PatientWrite)?;
    let id = id.into_inner();
    let pt: Patient = with_conn(&state, move |c| {
        crate::patients::store::find(c, id)?.ok_or_else(|| DomainError::not_found("patient"))
    })
    .await?;
    audit_page_reads(
        &state,
        &session.ctx,
        vec![("read", "patient", vec![id.to_string()])],
    )
    .await?;
    render(&EditPage {
        chrome: Chrome::new(
            &session,
            format!("Edit patient {}, {}", pt.last_name, pt.first_name),
        ),
        action: format!("/app/patients/{id}/edit"),
        back: format!("/app/patients/{id}"),
        version: pt.version.to_string(),
        specs: PATIENT,
        form: values_of(&pt, PATIENT)?,
        detail: None,
        errors: vec![],
    })
}

#[post("/patients/{id}/edit")]
async fn save_patient(
    state: web::Data<AppState>,
    id: web::Path<PatientId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::PatientWrite)?;
    let id = id.into_inner();
    let expected = version_of(&form)?;
    let ctx = session.ctx.clone();
    let saved = match patch_of::<PatientPatch>(&form, PATIENT)
        .and_then(|p| p.validate().map_err(to_api_error).map(|_| p))
    {
        Ok(patch) => {
            write(&state, move |c| {
                crate::patients::routes::update_in(c, &ctx, id, expected, patch)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(see_other(&format!(
            "/app/patients/{id}?notice=Patient+saved"
        ))),
        Err(e) if on_the_form(&e) => {
            let page = (
                "Edit patient",
                format!("/app/patients/{id}/edit"),
                format!("/app/patients/{id}"),
            );
            refused(&session, page, PATIENT, form, e)
        }
        Err(e) => Err(e.into()),
    }
}

#[get("/coverages/{id}/edit")]
async fn edit_coverage(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<CoverageId>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::CoverageWrite)?;
    let id = id.into_inner();
    let cv: Coverage = with_conn(&state, move |c| {
        crate::coverages::store::find(c, id)?.ok_or_else(|| DomainError::not_found("coverage"))
    })
    .await?;
    audit_page_reads(
        &state,
        &session.ctx,
        vec![("read", "coverage", vec![id.to_string()])],
    )
    .await?;
    render(&EditPage {
        chrome: Chrome::new(&session, format!("Edit coverage {}", cv.member_id)),
        action: format!("/app/coverages/{id}/edit"),
        back: format!("/app/patients/{}", cv.patient_id),
        version: cv.version.to_string(),
        specs: COVERAGE,
        form: values_of(&cv, COVERAGE)?,
        detail: None,
        errors: vec![],
    })
}

#[post("/coverages/{id}/edit")]
async fn save_coverage(
    state: web::Data<AppState>,
    id: web::Path<CoverageId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::CoverageWrite)?;
    let id = id.into_inner();
    let expected = version_of(&form)?;
    let ctx = session.ctx.clone();
    let saved = match patch_of::<CoveragePatch>(&form, COVERAGE)
        .and_then(|p| p.validate().map_err(to_api_error).map(|_| p))
    {
        Ok(patch) => {
            write(&state, move |c| {
                crate::coverages::routes::update_in(c, &ctx, id, expected, patch)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(cv) => Ok(see_other(&format!(
            "/app/patients/{}?notice=Coverage+saved",
            cv.patient_id
        ))),
        Err(e) if on_the_form(&e) => {
            let page = (
                "Edit coverage",
                format!("/app/coverages/{id}/edit"),
                "/app/patients".to_string(),
            );
            refused(&session, page, COVERAGE, form, e)
        }
        Err(e) => Err(e.into()),
    }
}

/// Mounts the edit forms.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(edit_patient)
        .service(save_patient)
        .service(edit_coverage)
        .service(save_coverage);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_optional_field_clears_and_a_blank_required_one_is_refused() {
        let mut form = Fields::new();
        form.insert("middle_name".into(), " ".into());
        form.insert("first_name".into(), "Ann".into());
        let p: PatientPatch = patch_of(&form, PATIENT).unwrap();
        assert_eq!(p.middle_name, Some(None));
        assert_eq!(p.first_name.as_deref(), Some("Ann"));
        assert!(p.last_name.is_none());
        form.insert("first_name".into(), String::new());
        let p: PatientPatch = patch_of(&form, PATIENT).unwrap();
        assert!(p.validate().is_err());
    }
}
