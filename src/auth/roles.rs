//! Roles and the permission matrix (documented in docs/roles.md).

use serde::{Deserialize, Serialize};

/// A role a user or service account acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Office manager: everything, including users, audit and overrides.
    Admin,
    /// Billing assistant: codes encounters, manages claims and the registry.
    Billing,
    /// Lab assistant: specimens; reads patients and providers.
    Lab,
    /// Front desk and its integrations: patients, coverage, visits.
    FrontDesk,
}

impl Role {
    /// The role's name as stored and carried in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Billing => "billing",
            Role::Lab => "lab",
            Role::FrontDesk => "front_desk",
        }
    }

    /// Parses a role name; unknown names are `None`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "billing" => Some(Role::Billing),
            "lab" => Some(Role::Lab),
            "front_desk" => Some(Role::FrontDesk),
            _ => None,
        }
    }
}

/// Something a route needs the caller to be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read patients (PHI).
    PatientRead,
    /// Create, update and deactivate patients.
    PatientWrite,
    /// Read providers.
    ProviderRead,
    /// Create, update and deactivate providers.
    ProviderWrite,
    /// Read payers.
    PayerRead,
    /// Create, update and deactivate payers.
    PayerWrite,
    /// Read coverages (PHI: member ids).
    CoverageRead,
    /// Create, update and deactivate coverages.
    CoverageWrite,
    /// Read code tables.
    CodesetRead,
    /// Import code tables (CPT, MUE, newer releases).
    CodesetImport,
    /// Read encounters (PHI: diagnoses) and their findings.
    EncounterRead,
    /// Open an encounter (check-in) and set its visit details.
    EncounterOpen,
    /// Code an encounter: diagnoses, lines, validate, hold.
    EncounterCode,
    /// Sign an encounter off as coded, or void it.
    EncounterSignOff,
    /// Override a scrubber error with a written reason.
    FindingOverride,
    /// Read fee schedules.
    FeeScheduleRead,
    /// Maintain fee schedules.
    FeeScheduleWrite,
    /// Read specimens, their custody and labels.
    SpecimenRead,
    /// Log a specimen at collection and hand it on before receipt (custody, in transit).
    SpecimenCollect,
    /// Receive, process, result, reject, cancel and recollect specimens.
    SpecimenProcess,
    /// Read claims, their history and 837 files.
    ClaimRead,
    /// Build, queue, replace and void claims; retry dead-lettered submissions.
    ClaimWrite,
    /// Post payments (paper EOBs) and write balances off.
    PaymentPost,
    /// Read balances, denials and aging reports.
    ReceivablesRead,
    /// Read and verify the audit log.
    AuditRead,
    /// Manage users and service accounts.
    UserAdmin,
    /// Read the event feed (ids and statuses only, no PHI).
    EventRead,
    /// Manage webhook endpoints, see their attempts, redeliver events.
    WebhookAdmin,
    /// Post patient payments (desk or mail) and list them.
    PatientPaymentPost,
    /// Read patient statements (JSON and PDF).
    StatementRead,
    /// Make patient statements (one patient, or the run).
    StatementWrite,
    /// Ask a payer whether a coverage is active (270/271) and apply its corrections.
    EligibilityCheck,
}

/// Whether `role` may do `permission`: the single source of the matrix in docs/roles.md.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Billing => !matches!(
            permission,
            AuditRead
                | UserAdmin
                | WebhookAdmin
                | CodesetImport
                | FindingOverride
                | SpecimenCollect
                | SpecimenProcess
        ),
        Role::Lab => matches!(
            permission,
            EventRead
                | PatientRead
                | ProviderRead
                | CodesetRead
                | SpecimenRead
                | SpecimenCollect
                | SpecimenProcess
        ),
        Role::FrontDesk => matches!(
            permission,
            EventRead
                | PatientRead
                | PatientWrite
                | ProviderRead
                | PayerRead
                | CoverageRead
                | CoverageWrite
                | CodesetRead
                | EncounterRead
                | EncounterOpen
                | FeeScheduleRead
                | SpecimenRead
                | SpecimenCollect
                | PatientPaymentPost
                | StatementRead
                | EligibilityCheck
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_rejected() {
        for role in [Role::Admin, Role::Billing, Role::Lab, Role::FrontDesk] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
        assert_eq!(Role::parse("Admin"), None);
    }

    #[test]
    fn matrix_keeps_roles_apart() {
        assert!(allows(Role::Admin, Permission::AuditRead));
        assert!(!allows(Role::Billing, Permission::AuditRead));
        assert!(!allows(Role::Lab, Permission::CoverageRead));
        assert!(!allows(Role::Lab, Permission::PatientWrite));
        assert!(allows(Role::FrontDesk, Permission::CoverageWrite));
        assert!(!allows(Role::FrontDesk, Permission::PayerWrite));
        assert!(allows(Role::Billing, Permission::PayerWrite));
        assert!(allows(Role::Billing, Permission::EncounterSignOff));
        assert!(!allows(Role::Billing, Permission::FindingOverride));
        assert!(!allows(Role::FrontDesk, Permission::EncounterCode));
        assert!(!allows(Role::FrontDesk, Permission::EncounterSignOff));
        assert!(!allows(Role::Lab, Permission::EncounterSignOff));
        assert!(!allows(Role::Lab, Permission::EncounterRead));
        assert!(!allows(Role::Lab, Permission::ClaimRead));
        assert!(allows(Role::Billing, Permission::SpecimenRead));
        assert!(!allows(Role::Billing, Permission::SpecimenProcess));
        assert!(allows(Role::FrontDesk, Permission::SpecimenCollect));
        assert!(!allows(Role::FrontDesk, Permission::SpecimenProcess));
        assert!(!allows(Role::FrontDesk, Permission::ClaimRead));
        assert!(allows(Role::Billing, Permission::PaymentPost));
        assert!(!allows(Role::FrontDesk, Permission::PaymentPost));
        assert!(!allows(Role::Lab, Permission::ReceivablesRead));
        assert!(allows(Role::Lab, Permission::EventRead));
        assert!(allows(Role::FrontDesk, Permission::EventRead));
        assert!(!allows(Role::Billing, Permission::WebhookAdmin));
        assert!(!allows(Role::FrontDesk, Permission::WebhookAdmin));
    }

    #[test]
    fn front_desk_posts_patient_payments_but_does_not_adjust() {
        assert!(allows(Role::FrontDesk, Permission::PatientPaymentPost));
        assert!(allows(Role::FrontDesk, Permission::StatementRead));
        assert!(!allows(Role::FrontDesk, Permission::StatementWrite));
        assert!(allows(Role::Billing, Permission::StatementWrite));
        assert!(!allows(Role::Lab, Permission::PatientPaymentPost));
        assert!(!allows(Role::Lab, Permission::StatementRead));
        assert!(allows(Role::FrontDesk, Permission::EligibilityCheck));
        assert!(allows(Role::Billing, Permission::EligibilityCheck));
        assert!(!allows(Role::Lab, Permission::EligibilityCheck));
    }
}
