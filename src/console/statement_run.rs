//! The statement run (billing, admin): the form (minimum balance in dollars, minimum days
//! between statements, days until due) and what the run did. The run is
//! `POST /v1/statements/run`'s (`statements::forms::RunBody` checks the fields,
//! `statements::run::run` makes and audits the statements in one transaction).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use super::page::{cents_of, dollars, html, Chrome, ConsoleError};
use super::queries::{body_of, write, Fields};
use super::session::{CsrfForm, Session};
use crate::auth::roles::Permission;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::http::problem::status_of;
use crate::state::AppState;
use crate::statements::forms::RunBody;
use crate::statements::run::{self, RunOutcome};

#[derive(Template)]
#[template(path = "statement_run.html")]
struct RunPage {
    chrome: Chrome,
    form: Fields,
    detail: Option<String>,
    errors: Vec<FieldError>,
    outcome: Option<RunOutcome>,
}

impl RunPage {
    fn value<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.form.get(name).map_or(default, String::as_str)
    }

    fn money(&self, cents: &i64) -> String {
        dollars(*cents)
    }
}

fn page(
    session: &Session,
    status: StatusCode,
    form: Fields,
    refusal: Option<DomainError>,
    outcome: Option<RunOutcome>,
) -> Result<HttpResponse, ConsoleError> {
    let (detail, errors) = refusal.map_or((None, vec![]), |e| (Some(e.detail), e.errors));
    let body = RunPage {
        chrome: Chrome::new(session, "Statement run"),
        form,
        detail,
        errors,
        outcome,
    }
    .render()
    .map_err(|_| DomainError::internal())?;
    Ok(html(status, body))
}

#[get("/statements/run")]
async fn run_form(session: Session) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::StatementWrite)?;
    page(&session, StatusCode::OK, Fields::new(), None, None)
}

/// The API's run body from the form (the minimum typed in dollars).
fn body_from(form: &Fields) -> DomainResult<RunBody> {
    let mut fields = form.clone();
    if let Some(typed) = fields.remove("min_balance") {
        if !typed.trim().is_empty() {
            let cents = cents_of(&typed).ok_or_else(|| {
                DomainError::invalid_field(
                    "/min_balance_cents",
                    "invalid",
                    "an amount like 5 or 5.00",
                )
            })?;
            fields.insert("min_balance_cents".into(), cents.to_string());
        }
    }
    body_of(
        &fields,
        Default::default(),
        &["min_balance_cents", "min_days_between", "due_in_days"],
        &[],
    )
}

#[post("/statements/run")]
async fn run_statements(
    state: web::Data<AppState>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::StatementWrite)?;
    let checked = body_from(&form).and_then(|b| b.validated());
    let (min, days, due) = match checked {
        Ok(v) => v,
        Err(e) if e.category.is_client_error() => {
            return page(&session, status_of(e.category), form, Some(e), None);
        }
        Err(e) => return Err(e.into()),
    };
    let ctx = session.ctx.clone();
    let out = write(&state, move |c| run::run(c, &ctx, min, days, due)).await?;
    page(&session, StatusCode::OK, form, None, Some(out))
}

/// Mounts the statement run.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(run_form).service(run_statements);
}
