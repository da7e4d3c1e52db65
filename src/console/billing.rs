//! Billing work queue: encounters by status with error counts, and the coding screen of one
//! encounter (diagnoses and lines with the scrubber's findings beside them, live code search,
//! sign-off, claim creation). Edits are the API's edits (`encounters::service`,
//! `line_routes::add_line_edit`, `claims::service::create_in`) under the version the page
//! showed (a stale page gets 412).

use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::page::{dollars, render, see_other, Chrome, ConsoleError};
use super::queries::{self, body_of, with_conn, write, Fields};
use super::session::{CsrfForm, Session};
use crate::audit::AuditEntry;
use crate::auth::roles::Permission;
use crate::claims::model::ClaimRow;
use crate::codesets::CodeSystem;
use crate::encounters::forms::{EncounterPatch, LineInput};
use crate::encounters::line_routes::{add_line_edit, delete_line_edit};
use crate::encounters::model::{Encounter, EncounterDoc, EncounterId, LineId};
use crate::encounters::scrubbing::{ReportedFinding, ValidationReport};
use crate::encounters::service::{self, SignOff};
use crate::encounters::status::Status;
use crate::encounters::store::{self as encounter_store, EncounterFilter};
use crate::error::{DomainError, DomainResult};
use crate::patients::model::Patient;
use crate::scrub::Severity;
use crate::state::AppState;

/// Rows per queue page.
const QUEUE_PAGE: i64 = 50;

#[derive(Deserialize)]
struct QueueQuery {
    status: Option<String>,
    errors: Option<bool>,
    notice: Option<String>,
}

/// One status tab: name, encounters, of which with errors.
struct Tab {
    status: &'static str,
    count: i64,
    with_errors: i64,
}

#[derive(Template)]
#[template(path = "encounters.html")]
struct QueuePage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    status: String,
    only_errors: bool,
    encounters: Vec<Encounter>,
}

const STATUSES: [&str; 5] = ["open", "on_hold", "coded", "billed", "void"];

type QueueData = (Vec<(String, i64, i64)>, Vec<Encounter>);

#[get("/encounters")]
async fn queue(
    state: web::Data<AppState>,
    session: Session,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::EncounterCode)?;
    let q = q.into_inner();
    let status = q
        .status
        .filter(|s| STATUSES.contains(&s.as_str()))
        .unwrap_or_else(|| "open".into());
    let filter = EncounterFilter {
        status: Status::parse(&status),
        has_errors: q.errors.filter(|e| *e),
        ..Default::default()
    };
    let (counts, rows) = with_conn(&state, move |c| -> DomainResult<QueueData> {
        Ok((
            queries::encounter_counts(c)?,
            encounter_store::list(c, &filter, None, QUEUE_PAGE)?,
        ))
    })
    .await?;
    // The same audit rows as GET /v1/encounters: one search row per encounter shown.
    let entries = rows
        .iter()
        .map(|e| {
            AuditEntry::success(
                &session.ctx,
                "search",
                service::RESOURCE,
                Some(e.id.to_string()),
            )
        })
        .collect();
    state.audit.record(entries).await?;
    let tabs = STATUSES
        .iter()
        .map(|s| {
            let (count, with_errors) = counts
                .iter()
                .find(|(k, _, _)| k == s)
                .map_or((0, 0), |(_, n, e)| (*n, *e));
            Tab {
                status: s,
                count,
                with_errors,
            }
        })
        .collect();
    render(&QueuePage {
        chrome: Chrome::new(&session, "Billing queue").notice(q.notice),
        tabs,
        status,
        only_errors: q.errors.unwrap_or(false),
        encounters: rows,
    })
}

/// A finding as shown beside a field.
struct Shown {
    severity: &'static str,
    rule: String,
    message: String,
    suggestion: Option<String>,
    overridden: bool,
}

impl From<&ReportedFinding> for Shown {
    fn from(r: &ReportedFinding) -> Self {
        Shown {
            severity: match r.finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            rule: r.finding.rule.clone(),
            message: r.finding.message.clone(),
            suggestion: r.finding.suggestion.clone(),
            overridden: r.override_info.is_some(),
        }
    }
}

/// A diagnosis or line row with the findings whose pointer lands on it.
struct Row {
    index: usize,
    code: String,
    detail: String,
    id: String,
    findings: Vec<Shown>,
}

/// Whether `path` points into `prefix` (`/lines/1` matches `/lines/1/units`, not `/lines/10`).
fn points_into(path: &str, prefix: &str) -> bool {
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

#[derive(Template)]
#[template(path = "encounter.html")]
struct CodingPage {
    chrome: Chrome,
    doc: EncounterDoc,
    patient: Option<Patient>,
    report: ValidationReport,
    diagnoses: Vec<Row>,
    lines: Vec<Row>,
    general: Vec<Shown>,
    claims: Vec<ClaimRow>,
    editable: bool,
    may_sign: bool,
    may_bill: bool,
    /// Hold (open), release (on hold): the coder's.
    may_hold: bool,
    may_release: bool,
    /// Void before billing: the sign-off permission's.
    may_void: bool,
}

type CodingData = (
    EncounterDoc,
    ValidationReport,
    Option<Patient>,
    Vec<ClaimRow>,
);

fn rows_and_general(
    doc: &EncounterDoc,
    report: &ValidationReport,
) -> (Vec<Row>, Vec<Row>, Vec<Shown>) {
    let mut placed = vec![false; report.findings.len()];
    let mut take = |prefix: String| -> Vec<Shown> {
        report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| points_into(&f.finding.path, &prefix))
            .map(|(i, f)| {
                placed[i] = true;
                Shown::from(f)
            })
            .collect()
    };
    let diagnoses = doc
        .diagnoses
        .iter()
        .enumerate()
        .map(|(i, d)| Row {
            index: i,
            code: d.clone(),
            detail: String::new(),
            id: String::new(),
            findings: take(format!("/diagnoses/{i}")),
        })
        .collect();
    let lines = doc
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| Row {
            index: i,
            code: l.code.clone(),
            detail: format!(
                "{} unit(s), {}{}, pointers {}",
                l.units,
                dollars(l.charge_cents),
                if l.modifiers.is_empty() {
                    String::new()
                } else {
                    format!(", modifiers {}", l.modifiers.join(" "))
                },
                l.diagnosis_pointers
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            id: l.id.to_string(),
            findings: take(format!("/lines/{i}")),
        })
        .collect();
    let general = report
        .findings
        .iter()
        .zip(placed)
        .filter(|(_, p)| !p)
        .map(|(f, _)| Shown::from(f))
        .collect();
    (diagnoses, lines, general)
}

#[derive(Deserialize)]
struct Notice {
    notice: Option<String>,
}

#[get("/encounters/{id}")]
async fn coding(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<EncounterId>,
    q: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::EncounterCode)?;
    let id = id.into_inner();
    let with_claims = session.may(Permission::ClaimRead);
    let codes = state.codes();
    let (doc, report, patient, claims) = with_conn(&state, move |c| -> DomainResult<CodingData> {
        let (doc, report) = service::validate(c, codes, id)?;
        let patient = crate::patients::store::find(c, doc.header.patient_id)?;
        let claims = if with_claims {
            crate::claims::store::for_encounter(c, id)?
        } else {
            vec![]
        };
        Ok((doc, report, patient, claims))
    })
    .await?;
    let mut reads = vec![("read", service::RESOURCE, vec![id.to_string()])];
    if let Some(p) = &patient {
        reads.push(("read", "patient", vec![p.id.to_string()]));
    }
    queries::audit_page_reads(&state, &session.ctx, reads).await?;
    let (diagnoses, lines, general) = rows_and_general(&doc, &report);
    let status = doc.header.status;
    let title = match &patient {
        Some(p) => format!(
            "Coding: {}, {} ({})",
            p.last_name, p.first_name, doc.header.date_of_service
        ),
        None => format!("Coding: encounter {}", doc.header.date_of_service),
    };
    render(&CodingPage {
        chrome: Chrome::new(&session, title).notice(q.into_inner().notice),
        editable: status.editable(),
        may_sign: session.may(Permission::EncounterSignOff) && status == Status::Open,
        may_bill: session.may(Permission::ClaimWrite) && status == Status::Coded,
        may_hold: status == Status::Open,
        may_release: status == Status::OnHold,
        may_void: session.may(Permission::EncounterSignOff)
            && status.next().contains(&Status::Void),
        doc,
        patient,
        report,
        diagnoses,
        lines,
        general,
        claims,
    })
}

/// The version the page was rendered from (`version` field): the If-Match of the edit.
pub(super) fn version_of(form: &Fields) -> Result<Option<i32>, ConsoleError> {
    match form.get("version").map(|v| v.trim()) {
        None | Some("") => Err(DomainError::invalid_field(
            "/version",
            "required",
            "the page's version is missing; reload the page",
        )
        .into()),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| DomainError::invalid_field("/version", "invalid", "not a version").into()),
    }
}

/// Applies `edit` to encounter `id` as the API would (audited as `action`), then shows the
/// coding screen again.
pub(super) async fn edit_and_show<F>(
    state: &web::Data<AppState>,
    session: &Session,
    id: EncounterId,
    expected: Option<i32>,
    action: &'static str,
    notice: &str,
    edit: F,
) -> Result<HttpResponse, ConsoleError>
where
    F: FnOnce(&mut crate::db::AnyConnection, &EncounterDoc) -> DomainResult<service::Edit>
        + Send
        + 'static,
{
    crate::encounters::routes::mutate(
        state.clone(),
        session.ctx.clone(),
        id,
        expected,
        action,
        edit,
    )
    .await?;
    Ok(see_other(&format!("/app/encounters/{id}?notice={notice}")))
}

fn patch_of(value: serde_json::Value) -> DomainResult<EncounterPatch> {
    let bytes = serde_json::to_vec(&value).map_err(|_| DomainError::internal())?;
    crate::http::json::parse_json(&bytes)
}

#[post("/encounters/{id}/diagnoses")]
async fn add_diagnosis(
    state: web::Data<AppState>,
    id: web::Path<EncounterId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::EncounterCode)?;
    let expected = version_of(&form)?;
    let code = form
        .get("code")
        .map(|c| c.trim().to_string())
        .unwrap_or_default();
    edit_and_show(
        &state,
        &session,
        id.into_inner(),
        expected,
        "update",
        "Diagnosis+added",
        move |_, cur| {
            let mut list = cur.diagnoses.clone();
            list.push(code);
            service::apply_patch(cur, patch_of(serde_json::json!({ "diagnoses": list }))?)
        },
    )
    .await
}

#[post("/encounters/{id}/diagnoses/{index}/remove")]
async fn remove_diagnosis(
    state: web::Data<AppState>,
    path: web::Path<(EncounterId, usize)>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::EncounterCode)?;
    let expected = version_of(&form)?;
    let (id, index) = path.into_inner();
    edit_and_show(
        &state,
        &session,
        id,
        expected,
        "update",
        "Diagnosis+removed",
        move |_, cur| {
            let mut list = cur.diagnoses.clone();
            if index >= list.len() {
                return Err(DomainError::not_found("diagnosis"));
            }
            list.remove(index);
            service::apply_patch(cur, patch_of(serde_json::json!({ "diagnoses": list }))?)
        },
    )
    .await
}

#[post("/encounters/{id}/lines")]
async fn add_line(
    state: web::Data<AppState>,
    id: web::Path<EncounterId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, mut form } = posted;
    session.require(Permission::EncounterCode)?;
    let expected = version_of(&form)?;
    form.remove("version");
    let input: LineInput = body_of(
        &form,
        Default::default(),
        &["units", "charge_cents"],
        &["diagnosis_pointers", "modifiers"],
    )?;
    edit_and_show(
        &state,
        &session,
        id.into_inner(),
        expected,
        "update",
        "Line+added",
        move |_, cur| add_line_edit(cur, &input),
    )
    .await
}

#[post("/encounters/{id}/lines/{line}/remove")]
async fn remove_line(
    state: web::Data<AppState>,
    path: web::Path<(EncounterId, LineId)>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::EncounterCode)?;
    let expected = version_of(&form)?;
    let (id, line) = path.into_inner();
    edit_and_show(
        &state,
        &session,
        id,
        expected,
        "update",
        "Line+removed",
        move |_, cur| delete_line_edit(cur, line),
    )
    .await
}

#[post("/encounters/{id}/sign-off")]
async fn sign_off(
    state: web::Data<AppState>,
    id: web::Path<EncounterId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::EncounterSignOff)?;
    let expected = version_of(&form)?;
    let id = id.into_inner();
    let codes = state.codes();
    let ctx = session.ctx.clone();
    let outcome = write(&state, move |c| {
        service::sign_off_in(c, codes, &ctx, id, expected)
    })
    .await?;
    let notice = match outcome {
        SignOff::Done(_) => "Signed+off",
        SignOff::Refused(_) => "Sign-off+refused:+errors+remain",
    };
    Ok(see_other(&format!("/app/encounters/{id}?notice={notice}")))
}

#[post("/encounters/{id}/claim")]
async fn create_claim(
    state: web::Data<AppState>,
    id: web::Path<EncounterId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, .. } = posted;
    session.require(Permission::ClaimWrite)?;
    let id = id.into_inner();
    let codes = state.codes();
    let submitter = state.submitter.clone();
    let ctx = session.ctx.clone();
    let claim = write(&state, move |c| {
        crate::claims::service::create_in(c, codes, &submitter, &ctx, id, None)
    })
    .await?;
    Ok(see_other(&format!(
        "/app/claims/{}?notice=Claim+created",
        claim.id
    )))
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
    q: Option<String>,
}

/// One suggestion of the live code search.
struct Suggestion {
    code: String,
    label: String,
}

#[derive(Template)]
#[template(path = "code_options.html")]
struct CodeOptions {
    items: Vec<Suggestion>,
}

/// Live code search as you type (the search behind `GET /v1/codesets/{system}/search`):
/// `<option>`s for the field's `<datalist>`.
#[get("/codes/{system}")]
async fn code_search(
    state: web::Data<AppState>,
    session: Session,
    system: web::Path<String>,
    q: web::Query<CodeQuery>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::CodesetRead)?;
    let system = CodeSystem::parse(&system).ok_or_else(|| DomainError::not_found("code system"))?;
    let q = q.into_inner();
    let text = q.q.or(q.code).unwrap_or_default();
    let text = text.trim();
    let items = if text.is_empty() || text.chars().count() > 100 {
        vec![]
    } else {
        state
            .codes()
            .search(system, text, chrono::Utc::now().date_naive(), 15)
            .into_iter()
            .map(|h| Suggestion {
                code: h.code.display(system),
                label: format!(
                    "{}{}",
                    h.title.unwrap_or(""),
                    if h.billable { "" } else { " (not billable)" }
                ),
            })
            .collect()
    };
    render(&CodeOptions { items })
}

/// Mounts the billing screens.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(queue)
        .service(coding)
        .service(add_diagnosis)
        .service(remove_diagnosis)
        .service(add_line)
        .service(remove_line)
        .service(sign_off)
        .service(create_claim)
        .service(code_search);
}
