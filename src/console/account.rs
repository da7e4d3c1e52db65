//! A patient's account at the desk: statements (list, make one, open the PDF) and patient
//! payments (take one, see the credit). The steps are those of `POST /v1/statements`,
//! `GET /v1/statements/{id}.pdf` and `POST|GET /v1/patients/{id}/payments`
//! (`statements::routes::create_in`, `statements::store`, `statements::pdf::render`,
//! `statements::payments::{post_payment, list}`) with the same permissions, audit rows and
//! events; no idempotency key (a form re-posted by hand makes a second payment, as at the
//! API without the header). Refunds of a credit (billing, admin, a reason required, at most
//! the credit) are `POST /v1/patients/{id}/refunds`'s `statements::payments::refund`.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::page::{dollars, render, see_other, Chrome, ConsoleError};
use super::queries::{audit_phi_reads, body_of, with_conn, write, Fields};
use super::session::{CsrfForm, Session};
use crate::auth::roles::Permission;
use crate::db::schema_statements::statements as st;
use crate::error::{DomainError, DomainResult};
use crate::patients::model::{Patient, PatientId};
use crate::state::AppState;
use crate::statements::forms::{due_in_days, PaymentBody, RefundBody};
use crate::statements::model::{StatementId, StatementRow};
use crate::statements::payments::{self, PaymentList};

/// Audit resource of statements (as the API's).
const STATEMENT: &str = "statement";
/// Statements listed (newest first).
const LISTED: i64 = 24;

/// One listed statement (the JSON content is not read for the list).
struct Listed {
    id: StatementId,
    statement_date: String,
    due_date: String,
    amount_due: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    patient: Patient,
    statements: Vec<Listed>,
    payments: Option<PaymentList>,
    may_make: bool,
    may_take: bool,
    /// Refunds of a credit (billing, admin).
    may_refund: bool,
    today: String,
}

impl AccountPage {
    fn money(&self, cents: &i64) -> String {
        dollars(*cents)
    }
}

#[derive(Deserialize)]
struct Notice {
    notice: Option<String>,
}

type AccountData = (Patient, Vec<StatementRow>, Option<PaymentList>);

#[get("/patients/{id}/account")]
async fn account(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<PatientId>,
    q: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::StatementRead)?;
    let id = id.into_inner();
    let with_payments = session.may(Permission::PatientPaymentPost);
    let (patient, rows, pays) = with_conn(&state, move |c| -> DomainResult<AccountData> {
        let pt = crate::patients::store::find(c, id)?
            .ok_or_else(|| DomainError::not_found("patient"))?;
        let rows = st::table
            .filter(st::patient_id.eq(id))
            .order(st::created_at.desc())
            .limit(LISTED)
            .select(StatementRow::as_select())
            .load(c)?;
        let pays = if with_payments {
            Some(payments::list(c, id)?)
        } else {
            None
        };
        Ok((pt, rows, pays))
    })
    .await?;
    let mut reads = vec![
        ("read", "patient", vec![id.to_string()]),
        (
            "search",
            STATEMENT,
            rows.iter().map(|r| r.id.to_string()).collect(),
        ),
    ];
    if pays.is_some() {
        reads.push(("read", "patient_payment", vec![id.to_string()]));
    }
    super::queries::audit_page_reads(&state, &session.ctx, reads).await?;
    render(&AccountPage {
        chrome: Chrome::new(
            &session,
            format!("Account: {}, {}", patient.last_name, patient.first_name),
        )
        .notice(q.into_inner().notice),
        patient,
        statements: rows
            .into_iter()
            .map(|r| Listed {
                id: r.id,
                statement_date: r.statement_date.to_string(),
                due_date: r.due_date.to_string(),
                amount_due: dollars(r.amount_due_cents),
            })
            .collect(),
        payments: pays,
        may_make: session.may(Permission::StatementWrite),
        may_take: with_payments,
        may_refund: with_payments && session.may(Permission::PaymentPost),
        today: chrono::Utc::now().date_naive().to_string(),
    })
}

#[post("/patients/{id}/statements")]
async fn make_statement(
    state: web::Data<AppState>,
    id: web::Path<PatientId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::StatementWrite)?;
    let id = id.into_inner();
    let mut errors = Vec::new();
    let days = match form.get("due_in_days").map(|v| v.trim()) {
        None | Some("") => None,
        Some(v) => match v.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(crate::error::FieldError::new(
                    "/due_in_days",
                    "invalid",
                    "a whole number of days",
                ));
                None
            }
        },
    };
    let due = due_in_days(days, &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::validation(errors).into());
    }
    let ctx = session.ctx.clone();
    write(&state, move |c| {
        crate::statements::routes::create_in(c, &ctx, id, due).map(|_| ())
    })
    .await?;
    Ok(see_other(&format!(
        "/app/patients/{id}/account?notice=Statement+made"
    )))
}

#[get("/statements/{id}.pdf")]
async fn statement_pdf(
    state: web::Data<AppState>,
    session: Session,
    id: web::Path<StatementId>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::StatementRead)?;
    let id = id.into_inner();
    let s = with_conn(&state, move |c| crate::statements::store::find(c, id))
        .await?
        .ok_or_else(|| DomainError::not_found(STATEMENT))?;
    audit_phi_reads(&state, &session.ctx, "read", STATEMENT, [id.to_string()]).await?;
    let pdf = web::block(move || crate::statements::pdf::render(&s))
        .await
        .map_err(|_| DomainError::internal())?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(pdf))
}

#[post("/patients/{id}/payments")]
async fn take_payment(
    state: web::Data<AppState>,
    id: web::Path<PatientId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::PatientPaymentPost)?;
    let id = id.into_inner();
    // A person types dollars; the API's field is cents (errors still point at it).
    let form = typed_amount(form)?;
    let body: PaymentBody = body_of(&form, Default::default(), &["amount_cents"], &[])?;
    body.validated()?;
    let ctx = session.ctx.clone();
    let out = write(&state, move |c| payments::post_payment(c, &ctx, id, &body)).await?;
    Ok(see_other(&format!(
        "/app/patients/{id}/account?notice=Payment+of+{}+recorded",
        dollars(out.payment.amount_cents).replace('$', "%24")
    )))
}

/// The posted dollars `amount` as the API's `amount_cents` (errors point at it).
fn typed_amount(mut form: Fields) -> Result<Fields, ConsoleError> {
    if let Some(amount) = form.remove("amount") {
        let cents = super::page::cents_of(&amount).ok_or_else(|| {
            DomainError::invalid_field("/amount_cents", "invalid", "an amount like 25 or 25.50")
        })?;
        form.insert("amount_cents".into(), cents.to_string());
    }
    Ok(form)
}

#[post("/patients/{id}/refunds")]
async fn give_refund(
    state: web::Data<AppState>,
    id: web::Path<PatientId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::PaymentPost)?;
    let id = id.into_inner();
    let form = typed_amount(form)?;
    let body: RefundBody = body_of(&form, Default::default(), &["amount_cents"], &[])?;
    body.validated()?;
    let ctx = session.ctx.clone();
    let out = write(&state, move |c| payments::refund(c, &ctx, id, &body)).await?;
    Ok(see_other(&format!(
        "/app/patients/{id}/account?notice=Refund+of+{}+recorded",
        dollars(out.payment.amount_cents).replace('$', "%24")
    )))
}

/// Mounts the account screens.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(account)
        .service(make_statement)
        .service(statement_pdf)
        .service(take_payment)
        .service(give_refund);
}
