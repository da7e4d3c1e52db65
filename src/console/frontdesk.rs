//! Front desk: find or register a patient, add coverage, open a visit. Writes go through the
//! same create functions as `POST /v1/patients`, `/v1/coverages` and `/v1/encounters`; reads
//! are audited like the API's.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use validator::Validate;

use super::page::{html, render, see_other, Chrome, ConsoleError};
use super::queries::{audit_phi_reads, body_of, with_conn, write, Fields};
use super::session::{CsrfForm, Session};
use crate::auth::roles::Permission;
use crate::coverages::model::{Coverage, NewCoverage};
use crate::coverages::store::{self as coverage_store, CoverageFilter};
use crate::encounters::forms::NewEncounter;
use crate::encounters::model::Encounter;
use crate::encounters::store::{self as encounter_store, EncounterFilter};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::patients::model::{NewPatient, Patient, PatientId};
use crate::patients::store::{self as patient_store, PatientFilter};
use crate::payers::model::Payer;
use crate::payers::store::{self as payer_store, PayerFilter};
use crate::state::AppState;
use crate::validation::to_api_error;

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "patients.html")]
struct PatientsPage {
    chrome: Chrome,
    q: String,
    patients: Vec<Patient>,
    searched: bool,
    may_register: bool,
    errors: Vec<FieldError>,
    form: Fields,
}

impl PatientsPage {
    fn value(&self, name: &str) -> &str {
        self.form.get(name).map_or("", String::as_str)
    }
}

/// The filter of a search box: an MRN-looking word is tried as an MRN, else name words.
fn filter_of(q: &str) -> PatientFilter {
    let words: Vec<String> = q
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .take(4)
        .map(str::to_lowercase)
        .collect();
    let mrn_like = words.len() == 1 && q.chars().any(|c| c.is_ascii_digit());
    PatientFilter {
        mrn: mrn_like.then(|| q.trim().to_string()),
        name_words: if mrn_like { vec![] } else { words },
        active: Some(true),
        ..Default::default()
    }
}

#[get("/patients")]
async fn patients(
    state: web::Data<AppState>,
    session: Session,
    q: web::Query<SearchQuery>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::PatientRead)?;
    let text = q.q.clone().unwrap_or_default();
    let mut found = Vec::new();
    if !text.trim().is_empty() {
        let filter = filter_of(&text);
        found = with_conn(&state, move |c| {
            Ok(patient_store::list(c, &filter, None, 50)?)
        })
        .await?;
        let ids = found.iter().map(|p| p.id.to_string());
        audit_phi_reads(&state, &session.ctx, "search", "patient", ids).await?;
    }
    render(&PatientsPage {
        chrome: Chrome::new(&session, "Front desk: patients").notice(q.notice.clone()),
        q: text.clone(),
        patients: found,
        searched: !text.trim().is_empty(),
        may_register: session.may(Permission::PatientWrite),
        errors: vec![],
        form: Fields::new(),
    })
}

#[post("/patients")]
async fn register(
    state: web::Data<AppState>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::PatientWrite)?;
    let parsed = body_of::<NewPatient>(&form, Default::default(), &[], &[]).and_then(|p| {
        let p = crate::patients::routes::trimmed(p);
        p.validate().map_err(to_api_error)?;
        Ok(p)
    });
    let created = match parsed {
        Ok(input) => {
            let ctx = session.ctx.clone();
            write(&state, move |c| {
                crate::patients::routes::create_in(c, &ctx, input)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(pt) => Ok(see_other(&format!(
            "/app/patients/{}?notice=Patient+registered",
            pt.id
        ))),
        Err(e) if e.category.is_client_error() => {
            let mut errors = e.errors.clone();
            if errors.is_empty() {
                errors.push(FieldError::new("", "invalid", e.detail.clone()));
            }
            let page = PatientsPage {
                chrome: Chrome::new(&session, "Front desk: patients"),
                q: String::new(),
                patients: vec![],
                searched: false,
                may_register: true,
                errors,
                form,
            };
            let body = page.render().map_err(|_| DomainError::internal())?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, body))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "patient.html")]
struct PatientPage {
    chrome: Chrome,
    patient: Patient,
    coverages: Vec<Coverage>,
    payers: Vec<Payer>,
    encounters: Vec<Encounter>,
    providers: Vec<crate::providers::model::Provider>,
    may_cover: bool,
    /// Editing the patient.
    may_edit: bool,
    /// Eligibility checks (270/271) of each coverage.
    may_check: bool,
    /// Statements and payments (the account page).
    may_account: bool,
    may_open: bool,
    may_code: bool,
    may_accession: bool,
    today: String,
}

impl PatientPage {
    fn with_role(&self, role: &str) -> Vec<&crate::providers::model::Provider> {
        self.providers
            .iter()
            .filter(|p| p.roles.iter().any(|r| r == role))
            .collect()
    }

    fn payer_name(&self, c: &Coverage) -> String {
        self.payers
            .iter()
            .find(|p| p.id == c.payer_id)
            .map_or_else(|| c.payer_id.to_string(), |p| p.name.clone())
    }
}

type PatientView = (
    Patient,
    Vec<Coverage>,
    Vec<Payer>,
    Vec<Encounter>,
    Vec<crate::providers::model::Provider>,
);

#[get("/patients/{id}")]
async fn patient(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<PatientId>,
    q: web::Query<SearchQuery>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::PatientRead)?;
    let id = id.into_inner();
    let with_coverage = session.may(Permission::CoverageRead);
    let with_visits = session.may(Permission::EncounterRead);
    let (patient, coverages, payers, encounters, providers) =
        with_conn(&state, move |c| -> DomainResult<PatientView> {
            let pt =
                patient_store::find(c, id)?.ok_or_else(|| DomainError::not_found("patient"))?;
            let (cov, payers) = if with_coverage {
                let f = CoverageFilter {
                    patient_id: Some(id),
                    active: Some(true),
                    ..Default::default()
                };
                let pf = PayerFilter {
                    active: Some(true),
                    ..Default::default()
                };
                (
                    coverage_store::list(c, &f, None, 50)?,
                    payer_store::list(c, &pf, None, 200)?,
                )
            } else {
                (vec![], vec![])
            };
            let encs = if with_visits {
                let f = EncounterFilter {
                    patient_id: Some(id),
                    ..Default::default()
                };
                encounter_store::list(c, &f, None, 20)?
            } else {
                vec![]
            };
            let providers = if with_visits {
                let f = crate::providers::store::ProviderFilter {
                    active: Some(true),
                    ..Default::default()
                };
                crate::providers::store::list(c, &f, None, 200)?
            } else {
                vec![]
            };
            Ok((pt, cov, payers, encs, providers))
        })
        .await?;
    // One audit hand-off for the whole page (the API audits the same rows per record).
    let reads = vec![
        ("read", "patient", vec![patient.id.to_string()]),
        (
            "read",
            "coverage",
            coverages.iter().map(|c| c.id.to_string()).collect(),
        ),
        (
            "search",
            "encounter",
            encounters.iter().map(|e| e.id.to_string()).collect(),
        ),
    ];
    super::queries::audit_page_reads(&state, &session.ctx, reads).await?;
    render(&PatientPage {
        chrome: Chrome::new(
            &session,
            format!("{}, {}", patient.last_name, patient.first_name),
        )
        .notice(q.notice.clone()),
        patient,
        coverages,
        payers,
        encounters,
        providers,
        may_cover: session.may(Permission::CoverageWrite),
        may_edit: session.may(Permission::PatientWrite),
        may_check: session.may(Permission::EligibilityCheck),
        may_account: session.may(Permission::StatementRead),
        may_open: session.may(Permission::EncounterOpen),
        may_code: session.may(Permission::EncounterCode),
        may_accession: session.may(Permission::SpecimenCollect),
        today: chrono::Utc::now().date_naive().to_string(),
    })
}

#[post("/patients/{id}/coverages")]
async fn add_coverage(
    state: web::Data<AppState>,
    id: web::Path<PatientId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::CoverageWrite)?;
    let id = id.into_inner();
    let mut extra = serde_json::Map::new();
    extra.insert("patient_id".into(), serde_json::json!(id));
    let input: NewCoverage = body_of::<NewCoverage>(&form, extra, &[], &[])?.trimmed();
    let errors = input.check();
    if !errors.is_empty() {
        return Err(to_api_error(errors).into());
    }
    let ctx = session.ctx.clone();
    write(&state, move |c| {
        crate::coverages::routes::create_in(c, &ctx, input)
    })
    .await?;
    Ok(see_other(&format!(
        "/app/patients/{id}?notice=Coverage+added"
    )))
}

#[post("/patients/{id}/visits")]
async fn open_visit(
    state: web::Data<AppState>,
    id: web::Path<PatientId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::EncounterOpen)?;
    let id = id.into_inner();
    let mut extra = serde_json::Map::new();
    extra.insert("patient_id".into(), serde_json::json!(id));
    let input: NewEncounter = body_of(&form, extra, &[], &[])?;
    let edit = crate::encounters::service::draft_new(input)?;
    let ctx = session.ctx.clone();
    let codes = state.codes();
    let doc = write(&state, move |c| {
        crate::encounters::service::create_in(c, codes, &ctx, edit)
    })
    .await?;
    if session.may(Permission::EncounterCode) {
        Ok(see_other(&format!(
            "/app/encounters/{}?notice=Visit+opened",
            doc.header.id
        )))
    } else {
        Ok(see_other(&format!(
            "/app/patients/{id}?notice=Visit+opened"
        )))
    }
}

/// Mounts the front desk screens.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(patients)
        .service(register)
        .service(patient)
        .service(add_coverage)
        .service(open_visit);
}
