//! The unmatched queue: claim payments of imported 835s that fit no claim, and the hand match
//! (attach one to a claim, optionally pairing its lines; it then posts as an automatic match
//! would). The calls are those of `GET /v1/remittances/unmatched`
//! (`remits::unmatched::list_open`, audited there) and
//! `POST /v1/remittances/unmatched/{id}/match` (`remits::unmatched::match_by_hand`, under the
//! version the page showed), with the same permissions (ClaimRead, ClaimWrite). A refused
//! match (409, 412, 422) shows its message on the queue, beside the item.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::billing::version_of;
use super::page::{dollars, html, see_other, Chrome, ConsoleError};
use super::queries::{with_conn, Fields};
use super::session::{CsrfForm, Session};
use crate::auth::roles::Permission;
use crate::error::{Category, DomainError, DomainResult, FieldError};
use crate::http::problem::status_of;
use crate::remits::store::UnmatchedId;
use crate::remits::unmatched::{self, MatchRequest, UnmatchedItem};
use crate::state::AppState;

/// Items shown (oldest first).
const SHOWN: i64 = 100;

#[derive(Deserialize)]
struct Notice {
    notice: Option<String>,
}

/// Why the last match of an item was refused.
struct Refusal {
    item: UnmatchedId,
    detail: String,
    errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "unmatched.html")]
struct QueuePage {
    chrome: Chrome,
    items: Vec<UnmatchedItem>,
    may_match: bool,
    refusal: Option<Refusal>,
    /// The posted fields of the refused form (shown again).
    form: Fields,
}

impl QueuePage {
    fn money(&self, cents: &i64) -> String {
        dollars(*cents)
    }

    /// The refusal of `item`, if its form was the one refused.
    fn refused(&self, item: &UnmatchedId) -> Option<&Refusal> {
        self.refusal.as_ref().filter(|r| r.item == *item)
    }

    /// A refusal of an item no longer listed (matched meanwhile): shown at the top.
    fn refused_elsewhere(&self) -> Option<&Refusal> {
        self.refusal
            .as_ref()
            .filter(|r| !self.items.iter().any(|i| i.id == r.item))
    }

    /// The claim id to offer: the one posted, else the candidate.
    fn claim_value(&self, i: &UnmatchedItem) -> String {
        if self.refused(&i.id).is_some() {
            return self.form.get("claim_id").cloned().unwrap_or_default();
        }
        i.candidate_claim_id
            .map_or_else(String::new, |c| c.to_string())
    }

    /// The claim line posted for remitted line `k` of item `i`.
    fn line_value(&self, i: &UnmatchedItem, k: &usize) -> String {
        if self.refused(&i.id).is_none() {
            return String::new();
        }
        self.form
            .get(&format!("line_{k}"))
            .cloned()
            .unwrap_or_default()
    }
}

/// The queue page (`refusal` names a refused match); reading it audits as the API's list.
async fn queue_page(
    state: &web::Data<AppState>,
    session: &Session,
    notice: Option<String>,
    refusal: Option<Refusal>,
    form: Fields,
) -> Result<String, ConsoleError> {
    let ctx = session.ctx.clone();
    let items = with_conn(state, move |c| unmatched::list_open(c, &ctx, SHOWN)).await?;
    let page = QueuePage {
        chrome: Chrome::new(session, "Unmatched claim payments").notice(notice),
        items,
        may_match: session.may(Permission::ClaimWrite),
        refusal,
        form,
    };
    page.render().map_err(|_| DomainError::internal().into())
}

#[get("/remittances/unmatched")]
async fn queue(
    state: web::Data<AppState>,
    session: Session,
    q: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::ClaimRead)?;
    let body = queue_page(&state, &session, q.into_inner().notice, None, Fields::new()).await?;
    Ok(html(StatusCode::OK, body))
}

/// The API's match body from the form: `claim_id`, and `line_<k>` (the claim's line number
/// for remitted line k; all blank: lines are matched as the import does).
fn request_of(form: &Fields) -> DomainResult<MatchRequest> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in form {
        let (Some(k), v) = (name.strip_prefix("line_"), value.trim()) else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        match (k.parse::<usize>(), v.parse::<i32>()) {
            (Ok(k), Ok(n)) => lines.push((k, n)),
            _ => errors.push(FieldError::new(
                format!("/lines/{k}"),
                "invalid",
                "a claim line number",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::validation(errors));
    }
    lines.sort_unstable();
    let mut body = serde_json::json!({
        "claim_id": form.get("claim_id").map_or("", |v| v.trim()),
    });
    if !lines.is_empty() {
        body["lines"] = lines
            .iter()
            .map(|(k, n)| serde_json::json!({"remit_line": k, "line_number": n}))
            .collect();
    }
    let bytes = serde_json::to_vec(&body).map_err(|_| DomainError::internal())?;
    crate::http::json::parse_json(&bytes)
}

#[post("/remittances/unmatched/{id}/match")]
async fn hand_match(
    state: web::Data<AppState>,
    id: web::Path<UnmatchedId>,
    posted: CsrfForm<Fields>,
) -> Result<HttpResponse, ConsoleError> {
    let CsrfForm { session, form } = posted;
    session.require(Permission::ClaimWrite)?;
    let id = id.into_inner();
    let done = match (version_of(&form), request_of(&form)) {
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(e.into()),
        (Ok(expected), Ok(req)) => {
            let ctx = session.ctx.clone();
            let submitter = state.submitter.clone();
            // match_by_hand opens its own write transaction (as under the API's handler).
            with_conn(&state, move |c| {
                unmatched::match_by_hand(c, &ctx, &submitter, id, expected, &req)
            })
            .await
            .map_err(ConsoleError::from)
        }
    };
    match done {
        Ok(out) => Ok(see_other(&format!(
            "/app/remittances/unmatched?notice=Matched+and+posted+to+claim+{}",
            out.item
                .matched_claim_id
                .map_or_else(String::new, |c| c.to_string())
        ))),
        Err(ConsoleError::Api(e))
            if e.category.is_client_error() && e.category != Category::Forbidden =>
        {
            let refusal = Refusal {
                item: id,
                detail: e.detail.clone(),
                errors: e.errors.clone(),
            };
            let body = queue_page(&state, &session, None, Some(refusal), form).await?;
            Ok(html(status_of(e.category), body))
        }
        Err(e) => Err(e),
    }
}

/// Mounts the queue (before `/remittances/{id}`, which would take `unmatched` for an id).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(queue).service(hand_match);
}
