//! The menu (one entry per screen, shown when the role may use it) and the home page.
//! A screen added later appends its entry to [`NAV`].

use actix_web::{get, web, HttpResponse};
use askama::Template;

use super::page::{render, Chrome, ConsoleError};
use super::session::Session;
use crate::auth::roles::{allows, Permission, Role};

/// One menu entry.
#[derive(Debug)]
pub struct NavEntry {
    /// Where it goes.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
    /// Who sees it.
    pub permission: Permission,
}

/// Every screen, in menu order.
pub static NAV: &[NavEntry] = &[
    NavEntry {
        href: "/app/patients",
        label: "Front desk",
        permission: Permission::PatientRead,
    },
    NavEntry {
        href: "/app/encounters",
        label: "Billing queue",
        permission: Permission::EncounterCode,
    },
    NavEntry {
        href: "/app/claims",
        label: "Claims",
        permission: Permission::ClaimRead,
    },
    NavEntry {
        href: "/app/claims?status=rejected",
        label: "Rejected claims",
        permission: Permission::ClaimRead,
    },
    NavEntry {
        href: "/app/specimens",
        label: "Specimen log",
        permission: Permission::SpecimenRead,
    },
    NavEntry {
        href: "/app/remittances",
        label: "Remittances",
        permission: Permission::ClaimRead,
    },
    NavEntry {
        href: "/app/remittances/unmatched",
        label: "Unmatched payments",
        permission: Permission::ClaimRead,
    },
    NavEntry {
        href: "/app/statements/run",
        label: "Statement run",
        permission: Permission::StatementWrite,
    },
    NavEntry {
        href: "/app/receivables",
        label: "Denials, aging",
        permission: Permission::ReceivablesRead,
    },
];

/// The entries `role` may open.
pub fn for_role(role: Role) -> Vec<&'static NavEntry> {
    NAV.iter().filter(|e| allows(role, e.permission)).collect()
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    chrome: Chrome,
}

/// The home page: the menu for the role.
#[get("/")]
async fn home(session: Session) -> Result<HttpResponse, ConsoleError> {
    render(&Home {
        chrome: Chrome::new(&session, "medbill"),
    })
}

/// Mounts the home page.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home);
}
