//! The specimen status machine: collected -> in_transit -> received -> in_process -> resulted;
//! rejected and cancelled are terminal, reachable from any state before a result.

use crate::auth::roles::Permission;
use crate::error::DomainError;

/// Where a specimen is in its life.
///
/// Stored as its name in a TEXT column and serialised as the same name ([`crate::text_enum!`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Status {
    /// Taken from the patient and logged.
    Collected,
    /// On its way to the lab.
    InTransit,
    /// Accepted by the lab.
    Received,
    /// Being tested.
    InProcess,
    /// Results reported.
    Resulted,
    /// Unusable (HL7 0490 reason); terminal.
    Rejected,
    /// No longer wanted; terminal.
    Cancelled,
}

crate::text_enum!(Status);

/// Every status, in life order.
pub const ALL: [Status; 7] = [
    Status::Collected,
    Status::InTransit,
    Status::Received,
    Status::InProcess,
    Status::Resulted,
    Status::Rejected,
    Status::Cancelled,
];

impl Status {
    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Collected => "collected",
            Status::InTransit => "in_transit",
            Status::Received => "received",
            Status::InProcess => "in_process",
            Status::Resulted => "resulted",
            Status::Rejected => "rejected",
            Status::Cancelled => "cancelled",
        }
    }

    /// Parses a stored or API name.
    pub fn parse(s: &str) -> Option<Status> {
        ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The states this one may move to.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Collected => &[InTransit, Received, Rejected, Cancelled],
            InTransit => &[Received, Rejected, Cancelled],
            Received => &[InProcess, Rejected, Cancelled],
            InProcess => &[Resulted, Rejected, Cancelled],
            Resulted | Rejected | Cancelled => &[],
        }
    }

    /// Whether the lab has it (received or later): details are fixed and only the lab acts.
    pub fn after_receipt(self) -> bool {
        !matches!(self, Status::Collected | Status::InTransit)
    }

    /// The permission a move to this state needs: sending it on before receipt is part of
    /// collection; everything else is the lab's.
    pub fn permission(self) -> Permission {
        match self {
            Status::InTransit => Permission::SpecimenCollect,
            _ => Permission::SpecimenProcess,
        }
    }
}

/// The names of `states`.
pub fn names(states: &[Status]) -> Vec<&'static str> {
    states.iter().map(|s| s.as_str()).collect()
}

fn conflict(from: Status, detail: String) -> DomainError {
    DomainError::conflict(detail)
        .with_extension("current_status", serde_json::json!(from.as_str()))
        .with_extension("allowed_next", serde_json::json!(names(from.next())))
}

/// Fails with 409 (naming the allowed next states) unless `from` may move to `to`.
pub fn check_transition(from: Status, to: Status) -> Result<(), DomainError> {
    if from.next().contains(&to) {
        return Ok(());
    }
    Err(conflict(
        from,
        format!(
            "a specimen that is {} cannot become {}",
            from.as_str(),
            to.as_str()
        ),
    ))
}

/// Fails with 409 unless the specimen's details may still change (before receipt).
pub fn check_editable(current: Status) -> Result<(), DomainError> {
    if !current.after_receipt() {
        return Ok(());
    }
    Err(conflict(
        current,
        format!(
            "a specimen that is {} can no longer be edited",
            current.as_str()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine() {
        assert!(check_transition(Status::Collected, Status::InTransit).is_ok());
        assert!(check_transition(Status::InTransit, Status::Received).is_ok());
        assert!(check_transition(Status::Received, Status::Resulted).is_err());
        assert!(check_transition(Status::Rejected, Status::Received).is_err());
        assert!(check_transition(Status::Cancelled, Status::Rejected).is_err());
        assert!(check_editable(Status::InTransit).is_ok());
        assert!(check_editable(Status::Received).is_err());
        for s in ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
