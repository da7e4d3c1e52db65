//! The claim status machine: draft -> validated -> queued -> submitted -> accepted | rejected.
//! A rejected claim is corrected by a replacement (a new claim), or becomes superseded when its
//! encounter is reopened for a new original claim; paid and denied come later with remittance.

use crate::error::ApiError;

/// Where a claim is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Being assembled (not used by the API yet: claims are built clean or not at all).
    Draft,
    /// Built with no scrubber errors; ready to queue.
    Validated,
    /// In the submission queue.
    Queued,
    /// Handed to the clearinghouse (the adapter confirmed).
    Submitted,
    /// Accepted by the payer's front end (277CA).
    Accepted,
    /// Rejected (999 or 277CA): correct it with a replacement, or reopen its encounter.
    Rejected,
    /// Rejected, then left as history when its encounter was reopened for a new claim.
    Superseded,
}

/// Every status, in life order.
pub const ALL: [Status; 7] = [
    Status::Draft,
    Status::Validated,
    Status::Queued,
    Status::Submitted,
    Status::Accepted,
    Status::Rejected,
    Status::Superseded,
];

impl Status {
    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Validated => "validated",
            Status::Queued => "queued",
            Status::Submitted => "submitted",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Superseded => "superseded",
        }
    }

    /// Parses a stored or API name.
    pub fn parse(s: &str) -> Option<Status> {
        ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The states this one may move to.
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::Draft => &[Status::Validated],
            Status::Validated => &[Status::Queued],
            Status::Queued => &[Status::Submitted],
            // A 277CA may follow a 999 rejection (or come late); the latest word wins.
            Status::Submitted => &[Status::Accepted, Status::Rejected],
            Status::Accepted => &[Status::Rejected],
            // Reopening the encounter retires a rejected claim for a new original one.
            Status::Rejected => &[Status::Superseded],
            Status::Superseded => &[],
        }
    }

    /// Whether the claim still waits for the clearinghouse or payer to answer; its encounter
    /// cannot be reopened until it has one.
    pub fn awaiting_answer(self) -> bool {
        matches!(
            self,
            Status::Draft | Status::Validated | Status::Queued | Status::Submitted
        )
    }

    /// Whether the claim stands for its encounter (a new original would bill it twice): every
    /// state but rejected and superseded.
    pub fn stands(self) -> bool {
        !matches!(self, Status::Rejected | Status::Superseded)
    }
}

/// The states listed by `submitted_before`: sent and still waiting on an answer (submitted,
/// or accepted by the front end and not yet paid).
pub const WAITING: [Status; 2] = [Status::Submitted, Status::Accepted];

/// The names of the states `s` (a stored name) may move to.
pub fn allowed_next(s: &str) -> Vec<&'static str> {
    Status::parse(s).map_or_else(Vec::new, |st| {
        st.next().iter().map(|n| n.as_str()).collect()
    })
}

/// Reads a stored status; an unknown value is a server fault.
pub fn stored(s: &str) -> Result<Status, ApiError> {
    Status::parse(s).ok_or_else(ApiError::internal)
}

/// A 409 naming the current status and the allowed next states.
pub fn conflict(from: Status, what: &str) -> ApiError {
    ApiError::conflict(format!("a claim that is {} cannot {what}", from.as_str()))
        .with_extension("current_status", serde_json::json!(from.as_str()))
        .with_extension(
            "allowed_next",
            serde_json::json!(allowed_next(from.as_str())),
        )
}

/// Fails with 409 unless `from` may move to `to`.
pub fn check_transition(from: Status, to: Status) -> Result<(), ApiError> {
    if from.next().contains(&to) {
        Ok(())
    } else {
        Err(conflict(from, &format!("become {}", to.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_machine() {
        assert!(check_transition(Status::Validated, Status::Queued).is_ok());
        assert!(check_transition(Status::Queued, Status::Submitted).is_ok());
        assert!(check_transition(Status::Submitted, Status::Rejected).is_ok());
        assert!(check_transition(Status::Queued, Status::Queued).is_err());
        assert!(check_transition(Status::Rejected, Status::Accepted).is_err());
        assert!(check_transition(Status::Rejected, Status::Superseded).is_ok());
        assert!(check_transition(Status::Accepted, Status::Superseded).is_err());
        assert!(check_transition(Status::Superseded, Status::Rejected).is_err());
        for s in ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
