//! Specimen log for the lab assistant: accession a specimen, its label (ZPL download and an
//! on-screen PNG), scan an accession number to find it, record custody, receipt or rejection,
//! and today's list with the overdue ones. Writes are `specimens::service` and
//! `specimens::lifecycle`, reads audited as the API audits them.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::page::{render, see_other, Chrome, ConsoleError};
use super::queries::{audit_phi_reads, body_of, with_conn, Fields};
use super::session::{CsrfForm, Session};
use crate::auth::roles::Permission;
use crate::codesets::{RefEntry, RefTable};
use crate::db::types::Timestamp;
use crate::error::{DomainError, DomainResult};
use crate::patients::model::{Patient, PatientId};
use crate::providers::model::Provider;
use crate::specimens::forms::{CustodyRequest, NewSpecimen, TransitionRequest};
use crate::specimens::label::{self, Format, LabelData};
use crate::specimens::model::{Specimen, SpecimenDoc, SpecimenId};
use crate::specimens::status::Status;
use crate::specimens::store::{self, SpecimenFilter};
use crate::specimens::{accession, lifecycle, service};
use crate::state::AppState;

/// A specimen not received this long after collection is overdue.
const OVERDUE_HOURS: i64 = 4;

#[derive(Deserialize)]
struct LogQuery {
    patient_id: Option<PatientId>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "specimens.html")]
struct LogPage {
    chrome: Chrome,
    today: Vec<Specimen>,
    overdue: Vec<Specimen>,
    patient: Option<Patient>,
    providers: Vec<Provider>,
    types: &'static [RefEntry],
    may_collect: bool,
}

type LogData = (Vec<Specimen>, Vec<Specimen>, Option<Patient>, Vec<Provider>);

#[get("/specimens")]
async fn log(
    state: web::Data<AppState>,
    session: Session,
    q: web::Query<LogQuery>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::SpecimenRead)?;
    let q = q.into_inner();
    let now = chrono::Utc::now();
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or(now);
    let overdue_before = Timestamp(now - chrono::Duration::hours(OVERDUE_HOURS));
    let patient_id = q.patient_id;
    let collect = session.may(Permission::SpecimenCollect);
    let (today, overdue, patient, providers) =
        with_conn(&state, move |c| -> DomainResult<LogData> {
            let today = store::list(
                c,
                &SpecimenFilter {
                    collected_from: Some(Timestamp(midnight)),
                    ..Default::default()
                },
                None,
                200,
            )?;
            let mut overdue = Vec::new();
            for status in [Status::Collected, Status::InTransit] {
                let f = SpecimenFilter {
                    status: Some(status),
                    collected_before: Some(overdue_before),
                    ..Default::default()
                };
                overdue.extend(store::list(c, &f, None, 100)?);
            }
            let patient = match patient_id {
                Some(p) => crate::patients::store::find(c, p)?,
                None => None,
            };
            let providers = if collect {
                let f = crate::providers::store::ProviderFilter {
                    active: Some(true),
                    ..Default::default()
                };
                crate::providers::store::list(c, &f, None, 200)?
            } else {
                vec![]
            };
            Ok((today, overdue, patient, providers))
        })
        .await?;
    let ids = today.iter().chain(&overdue).map(|s| s.id.to_string());
    audit_phi_reads(&state, &session.ctx, "search", service::RESOURCE, ids).await?;
    if let Some(p) = &patient {
        audit_phi_reads(&state, &session.ctx, "read", "patient", [p.id.to_string()]).await?;
    }
    render(&LogPage {
        chrome: Chrome::new(&session, "Specimen log").notice(q.notice),
        today,
        overdue,
        patient,
        providers,
        types: state.codes().reference_entries(RefTable::SpecimenType),
        may_collect: collect,
    })
}

#[post("/specimens")]
async fn accession_new(
    state: web::Data<AppState>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, mut form } = posted;
    session.require(Permission::SpecimenCollect)?;
    // Tests as typed ("80053, 85025") become the API's list of ordered tests.
    let tests: Vec<serde_json::Value> = form
        .remove("tests")
        .unwrap_or_default()
        .split([',', ' '])
        .filter(|t| !t.is_empty())
        .map(|t| serde_json::json!({ "code": t }))
        .collect();
    let mut extra = serde_json::Map::new();
    extra.insert("tests".into(), serde_json::Value::Array(tests));
    if form.get("collected_at").is_none_or(|v| v.trim().is_empty()) {
        extra.insert("collected_at".into(), serde_json::json!(Timestamp::now()));
    }
    let input: NewSpecimen = body_of(&form, extra, &[], &[])?;
    let draft = service::draft_new(state.codes(), &session.ctx, input)?;
    let ctx = session.ctx.clone();
    let doc = crate::http::reads::write(state.clone(), move |c, _| {
        service::create_in(c, &ctx, draft, None)
    })
    .await?;
    Ok(see_other(&format!(
        "/app/specimens/{}?notice=Accessioned+{}",
        doc.specimen.id, doc.specimen.accession_number
    )))
}

#[derive(Deserialize)]
struct ScanQuery {
    accession: String,
}

/// A scanner types the accession number followed by Enter: find the specimen and open it.
#[get("/specimens/scan")]
async fn scan(
    state: web::Data<AppState>,
    session: Session,
    q: web::Query<ScanQuery>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::SpecimenRead)?;
    let number = accession::parse(&q.accession).map_err(accession::scan_error)?;
    let doc = with_conn(&state, move |c| Ok(store::load_by_accession(c, &number)?)).await?;
    let doc = doc.ok_or_else(|| DomainError::not_found("specimen"))?;
    Ok(see_other(&format!("/app/specimens/{}", doc.specimen.id)))
}

#[derive(Template)]
#[template(path = "specimen.html")]
struct SpecimenPage {
    chrome: Chrome,
    doc: SpecimenDoc,
    patient: Option<Patient>,
    reasons: &'static [RefEntry],
    may_process: bool,
    may_custody: bool,
}

#[derive(Deserialize)]
struct Notice {
    notice: Option<String>,
}

#[get("/specimens/{id}")]
async fn specimen(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<SpecimenId>,
    q: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::SpecimenRead)?;
    let id = id.into_inner();
    let (doc, patient) = with_conn(
        &state,
        move |c| -> DomainResult<(SpecimenDoc, Option<Patient>)> {
            let doc = store::load(c, id)?.ok_or_else(|| DomainError::not_found("specimen"))?;
            let patient = crate::patients::store::find(c, doc.specimen.patient_id)?;
            Ok((doc, patient))
        },
    )
    .await?;
    crate::specimens::routes::audit_read(&state, &session.ctx, "read", id).await?;
    if let Some(p) = &patient {
        audit_phi_reads(&state, &session.ctx, "read", "patient", [p.id.to_string()]).await?;
    }
    let current = doc.specimen.status;
    render(&SpecimenPage {
        chrome: Chrome::new(
            &session,
            format!("Specimen {}", doc.specimen.accession_number),
        )
        .notice(q.into_inner().notice),
        may_process: session.may(Permission::SpecimenProcess),
        may_custody: session.may(lifecycle::custody_permission(current)),
        doc,
        patient,
        reasons: state
            .codes()
            .reference_entries(RefTable::SpecimenRejectReason),
    })
}

fn version_of(form: &Fields) -> Option<i32> {
    form.get("version").and_then(|v| v.trim().parse().ok())
}

#[post("/specimens/{id}/transition")]
async fn transition(
    state: web::Data<AppState>,
    id: web::Path<SpecimenId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, mut form } = posted;
    let expected = version_of(&form);
    form.remove("version");
    let body: TransitionRequest = body_of(&form, Default::default(), &[], &[])?;
    let to = lifecycle::target(&body.to)?;
    session.require(to.permission())?;
    let id = id.into_inner();
    let ctx = session.ctx.clone();
    let lab = state.lab_billing;
    let doc = crate::http::reads::write(state.clone(), move |c, codes| {
        lifecycle::transition_in(c, codes, &ctx, lab, id, expected, body)
    })
    .await?;
    Ok(see_other(&format!(
        "/app/specimens/{id}?notice=Now+{}",
        doc.specimen.status
    )))
}

#[post("/specimens/{id}/custody")]
async fn custody(
    state: web::Data<AppState>,
    id: web::Path<SpecimenId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, mut form } = posted;
    session.require(Permission::SpecimenRead)?;
    let expected = version_of(&form);
    form.remove("version");
    let body: CustodyRequest = body_of(&form, Default::default(), &[], &[])?;
    let id = id.into_inner();
    let ctx = session.ctx.clone();
    crate::http::reads::write(state.clone(), move |c, _| {
        lifecycle::custody_in(c, &ctx, id, expected, body)
    })
    .await?;
    Ok(see_other(&format!(
        "/app/specimens/{id}?notice=Custody+recorded"
    )))
}

/// The label as ZPL (download, for the label printer) or PNG (on screen).
#[get("/specimens/{id}/label.{format}")]
async fn specimen_label(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(SpecimenId, String)>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::SpecimenRead)?;
    let (id, format) = path.into_inner();
    let format = match format.as_str() {
        "zpl" => Format::Zpl,
        "png" => Format::Png,
        _ => return Err(DomainError::not_found("label format").into()),
    };
    let (sp, patient) = with_conn(&state, move |c| -> DomainResult<(Specimen, Patient)> {
        let sp = store::find(c, id)?.ok_or_else(|| DomainError::not_found("specimen"))?;
        let patient =
            crate::patients::store::find(c, sp.patient_id)?.ok_or_else(DomainError::internal)?;
        Ok((sp, patient))
    })
    .await?;
    let data = LabelData::of(&sp, &patient, state.codes());
    let body = label::render(format, &data)?;
    crate::specimens::routes::audit_read(&state, &session.ctx, "label", id).await?;
    let mut res = HttpResponse::Ok();
    res.content_type(format.content_type())
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if format == Format::Zpl {
        res.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.zpl\"", sp.accession_number),
        ));
    }
    Ok(res.body(body))
}

/// Mounts the specimen screens (scan before `{id}`, which would take "scan" as an id).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(scan)
        .service(log)
        .service(accession_new)
        .service(specimen_label)
        .service(specimen)
        .service(transition)
        .service(custody);
}
