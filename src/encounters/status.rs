//! The encounter status machine: open -> coded (sign-off) -> billed; on_hold with a reason and
//! back; void from any state before billing.

use crate::error::DomainError;

/// Where an encounter is in its life.
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
    /// Opened at check-in; being coded.
    Open,
    /// Waiting on something (a specimen, a question to the provider); editable.
    OnHold,
    /// Signed off: coded and ready to become a claim.
    Coded,
    /// Taken into a claim.
    Billed,
    /// Cancelled; kept for history.
    Void,
}

crate::text_enum!(Status);

/// Every status, in life order.
pub const ALL: [Status; 5] = [
    Status::Open,
    Status::OnHold,
    Status::Coded,
    Status::Billed,
    Status::Void,
];

impl Status {
    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::OnHold => "on_hold",
            Status::Coded => "coded",
            Status::Billed => "billed",
            Status::Void => "void",
        }
    }

    /// Parses a stored or API name.
    pub fn parse(s: &str) -> Option<Status> {
        ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The states this one may move to.
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::Open => &[Status::Coded, Status::OnHold, Status::Void],
            Status::OnHold => &[Status::Open, Status::Void],
            Status::Coded => &[Status::Billed, Status::Void],
            Status::Billed | Status::Void => &[],
        }
    }

    /// Whether diagnoses, lines and visit details may still change.
    pub fn editable(self) -> bool {
        matches!(self, Status::Open | Status::OnHold)
    }
}

fn names(states: &[Status]) -> Vec<&'static str> {
    states.iter().map(|s| s.as_str()).collect()
}

/// Fails with 409 (naming the allowed next states) unless `from` may move to `to`.
pub fn check_transition(from: Status, to: Status) -> Result<(), DomainError> {
    if from.next().contains(&to) {
        return Ok(());
    }
    Err(DomainError::conflict(format!(
        "an encounter that is {} cannot become {}",
        from.as_str(),
        to.as_str()
    ))
    .with_extension("current_status", serde_json::json!(from.as_str()))
    .with_extension("allowed_next", serde_json::json!(names(from.next()))))
}

/// Fails with 409 unless the encounter may be reopened for coding: only a billed one can (the
/// claims module decides whether its claims allow it), and it goes back to open.
pub fn check_reopen(from: Status) -> Result<(), DomainError> {
    if from == Status::Billed {
        return Ok(());
    }
    Err(DomainError::conflict(format!(
        "only a billed encounter can be reopened; this one is {}",
        from.as_str()
    ))
    .with_extension("current_status", serde_json::json!(from.as_str()))
    .with_extension("allowed_next", serde_json::json!(names(from.next()))))
}

/// Fails with 409 unless the encounter may still be edited.
pub fn check_editable(current: Status) -> Result<(), DomainError> {
    if current.editable() {
        return Ok(());
    }
    Err(DomainError::conflict(format!(
        "an encounter that is {} cannot be changed",
        current.as_str()
    ))
    .with_extension("current_status", serde_json::json!(current.as_str()))
    .with_extension("allowed_next", serde_json::json!(names(current.next()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_machine() {
        assert!(check_transition(Status::Open, Status::Coded).is_ok());
        assert!(check_transition(Status::OnHold, Status::Coded).is_err());
        assert!(check_transition(Status::Coded, Status::Open).is_err());
        assert!(check_transition(Status::Void, Status::Open).is_err());
        assert!(check_editable(Status::OnHold).is_ok());
        assert!(check_editable(Status::Coded).is_err());
        assert!(check_reopen(Status::Billed).is_ok());
        assert!(check_reopen(Status::Coded).is_err());
        for s in ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
