//! Receivables: remittances received, the open denials work queue and A/R aging by payer —
//! the same queries as `GET /v1/remittances`, `/v1/denials` and `/v1/reports/aging`.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use super::page::{dollars, render, Chrome, ConsoleError};
use super::queries::{audit_phi_reads, with_conn};
use super::session::Session;
use crate::auth::roles::Permission;
use crate::error::DomainResult;
use crate::remits::store::RemittanceRow;
use crate::reports::aging::{self, AgingQuery, AgingReport};
use crate::reports::denials::{self, DenialGroup};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "receivables.html")]
struct ReceivablesPage {
    chrome: Chrome,
    remittances: Vec<RemittanceRow>,
    denials: Vec<DenialGroup>,
    aging: AgingReport,
}

impl ReceivablesPage {
    fn money(&self, cents: &i64) -> String {
        dollars(*cents)
    }
}

type Data = (Vec<RemittanceRow>, Vec<DenialGroup>, AgingReport);

#[get("/receivables")]
async fn receivables(
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, ConsoleError> {
    session.require(Permission::ReceivablesRead)?;
    let today = chrono::Utc::now().date_naive();
    let (remittances, denials, aging) = with_conn(&state, move |c| -> DomainResult<Data> {
        let q = AgingQuery {
            as_of: today,
            by_patient: false,
            from_submission: false,
        };
        Ok((
            crate::remits::store::list(c, None, None, 25)?,
            denials::open_denials(c, today)?,
            aging::run(c, &q)?,
        ))
    })
    .await?;
    let ids = remittances.iter().map(|r| r.id.to_string());
    audit_phi_reads(&state, &session.ctx, "search", "remittance", ids).await?;
    render(&ReceivablesPage {
        chrome: Chrome::new(&session, "Remittances, denials and aging"),
        remittances,
        denials,
        aging,
    })
}

/// Mounts the receivables screen.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(receivables);
}
