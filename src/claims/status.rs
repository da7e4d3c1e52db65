//! The claim status machine: draft -> validated -> queued -> submitted -> accepted | rejected.
//! A rejected claim is corrected by a new original claim after its encounter is reopened (the
//! rejected claim becomes superseded); an adjudicated one by a replacement. After submission,
//! remittance moves it among paid, partially_paid, denied, forwarded and reversed
//! ([`from_ledger`]).

use crate::error::DomainError;

/// Where a claim is in its life.
///
/// Stored as its name in a TEXT column and serialised as the same name ([`crate::text_enum!`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
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
    /// The payer owes nothing more.
    Paid,
    /// Something was paid and a payer balance remains.
    PartiallyPaid,
    /// Denied (CLP02 4, or nothing paid with non-PR adjustments).
    Denied,
    /// Processed and forwarded to another payer (CLP02 19, 20, 21).
    Forwarded,
    /// The payer reversed its payment (CLP02 22); the correction has not posted yet.
    Reversed,
}

crate::text_enum!(Status);

/// The statuses remittance posting sets.
pub const REMITTED: [Status; 5] = [
    Status::Paid,
    Status::PartiallyPaid,
    Status::Denied,
    Status::Forwarded,
    Status::Reversed,
];

/// Every status, in life order.
pub const ALL: [Status; 12] = [
    Status::Draft,
    Status::Validated,
    Status::Queued,
    Status::Submitted,
    Status::Accepted,
    Status::Rejected,
    Status::Superseded,
    Status::Paid,
    Status::PartiallyPaid,
    Status::Denied,
    Status::Forwarded,
    Status::Reversed,
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
            Status::Paid => "paid",
            Status::PartiallyPaid => "partially_paid",
            Status::Denied => "denied",
            Status::Forwarded => "forwarded",
            Status::Reversed => "reversed",
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
            // A remittance may arrive without a 277CA ever having come.
            Status::Submitted => &[
                Status::Accepted,
                Status::Rejected,
                Status::Paid,
                Status::PartiallyPaid,
                Status::Denied,
                Status::Forwarded,
                Status::Reversed,
            ],
            Status::Accepted => &[
                Status::Rejected,
                Status::Paid,
                Status::PartiallyPaid,
                Status::Denied,
                Status::Forwarded,
                Status::Reversed,
            ],
            // Reopening the encounter retires a rejected claim for a new original one.
            Status::Rejected => &[Status::Superseded],
            Status::Superseded => &[],
            // Each later posting (another payment, a reversal, its correction) recomputes it.
            Status::Paid
            | Status::PartiallyPaid
            | Status::Denied
            | Status::Forwarded
            | Status::Reversed => &REMITTED,
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

    /// True when remittance may post to a claim in this status.
    pub fn accepts_remittance(self) -> bool {
        matches!(self, Status::Submitted | Status::Accepted) || REMITTED.contains(&self)
    }
}

/// What the ledger says about a claim, for [`from_ledger`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerFacts<'a> {
    /// CLP02 of the latest posting still in force (a reversal counts as `22`); `None` when
    /// nothing is posted.
    pub last_code: Option<&'a str>,
    /// What the claim's payer still owes over all lines.
    pub payer_open_cents: i64,
    /// What the payer paid in force (net of reversals).
    pub paid_cents: i64,
}

/// The claim status that follows from the ledger and the last CLP status: the one place that
/// decides paid, partially paid, denied, forwarded and reversed. `None`: nothing posted.
pub fn from_ledger(f: LedgerFacts<'_>) -> Option<Status> {
    let code = f.last_code?;
    Some(match code {
        "22" => Status::Reversed,
        "4" => Status::Denied,
        "19" | "20" | "21" => Status::Forwarded,
        _ if f.payer_open_cents <= 0 => Status::Paid,
        _ if f.paid_cents > 0 => Status::PartiallyPaid,
        // Processed, nothing paid and a payer balance left open: denied lines.
        _ => Status::Denied,
    })
}

/// The states listed by `submitted_before`: sent and still waiting on an answer (submitted,
/// or accepted by the front end and not yet paid).
pub const WAITING: [Status; 2] = [Status::Submitted, Status::Accepted];

/// The names of the states `s` may move to.
pub fn allowed_next(s: Status) -> Vec<&'static str> {
    s.next().iter().map(|n| n.as_str()).collect()
}

/// A 409 naming the current status and the allowed next states.
pub fn conflict(from: Status, what: &str) -> DomainError {
    DomainError::conflict(format!("a claim that is {} cannot {what}", from.as_str()))
        .with_extension("current_status", serde_json::json!(from.as_str()))
        .with_extension("allowed_next", serde_json::json!(allowed_next(from)))
}

/// Fails with 409 unless `from` may move to `to`.
pub fn check_transition(from: Status, to: Status) -> Result<(), DomainError> {
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
        assert!(check_transition(Status::Accepted, Status::Paid).is_ok());
        assert!(check_transition(Status::Reversed, Status::Paid).is_ok());
        assert!(check_transition(Status::Rejected, Status::Paid).is_err());
        assert!(!Status::Validated.accepts_remittance());
    }

    #[test]
    fn status_follows_the_ledger() {
        let f = |code, open, paid| {
            from_ledger(LedgerFacts {
                last_code: code,
                payer_open_cents: open,
                paid_cents: paid,
            })
        };
        assert_eq!(f(None, 100, 0), None);
        assert_eq!(f(Some("1"), 0, 80), Some(Status::Paid));
        assert_eq!(f(Some("1"), 0, 0), Some(Status::Paid), "all to deductible");
        assert_eq!(f(Some("1"), 20, 80), Some(Status::PartiallyPaid));
        assert_eq!(f(Some("1"), 100, 0), Some(Status::Denied));
        assert_eq!(f(Some("4"), 100, 0), Some(Status::Denied));
        assert_eq!(f(Some("19"), 0, 50), Some(Status::Forwarded));
        assert_eq!(f(Some("22"), 100, 0), Some(Status::Reversed));
    }
}
