//! Encounter actions on the coding screen: hold (with a reason), release back to open, void
//! (with a reason). Each is `POST /v1/encounters/{id}/hold|release|void`: the same status move
//! (`encounters::service::transition`) through `service::mutate` under the version the page
//! showed, with the same permissions, audit row and event.

use actix_web::{post, web, HttpResponse};

use super::billing::{edit_and_show, version_of};
use super::queries::Fields;
use super::session::CsrfForm;
use crate::auth::roles::Permission;
use crate::encounters::check;
use crate::encounters::model::EncounterId;
use crate::encounters::service;
use crate::encounters::status::Status;
use crate::error::DomainError;
use crate::state::AppState;

use super::page::ConsoleError;

/// The posted `reason`, checked by the API's rule (1 to 500 characters).
fn reason_of(form: &Fields) -> Result<String, ConsoleError> {
    let raw = form.get("reason").map_or("", String::as_str);
    check::reason(raw, 1).map_err(|e| DomainError::validation(vec![e]).into())
}

#[post("/encounters/{id}/hold")]
async fn hold(
    state: web::Data<AppState>,
    id: web::Path<EncounterId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::EncounterCode)?;
    let expected = version_of(&form)?;
    let reason = reason_of(&form)?;
    edit_and_show(
        &state,
        &session,
        id.into_inner(),
        expected,
        "hold",
        "Put+on+hold",
        move |_, cur| service::transition(cur, Status::OnHold, Some(reason)),
    )
    .await
}

#[post("/encounters/{id}/release")]
async fn release(
    state: web::Data<AppState>,
    id: web::Path<EncounterId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::EncounterCode)?;
    let expected = version_of(&form)?;
    edit_and_show(
        &state,
        &session,
        id.into_inner(),
        expected,
        "release",
        "Released",
        move |_, cur| service::transition(cur, Status::Open, None),
    )
    .await
}

#[post("/encounters/{id}/void")]
async fn void(
    state: web::Data<AppState>,
    id: web::Path<EncounterId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    // Voiding is the sign-off permission's, as in the API.
    session.require(Permission::EncounterSignOff)?;
    let expected = version_of(&form)?;
    let reason = reason_of(&form)?;
    edit_and_show(
        &state,
        &session,
        id.into_inner(),
        expected,
        "void",
        "Voided",
        move |_, cur| service::transition(cur, Status::Void, Some(reason)),
    )
    .await
}

/// Mounts the encounter actions.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(hold).service(release).service(void);
}
