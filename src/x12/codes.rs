//! Code meanings for the acknowledgment readers, in short words of our own.

/// A code as received and what it means (`"unknown code"` when it is not in our table).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Coded {
    /// The code as received.
    pub code: String,
    /// A short meaning.
    pub meaning: &'static str,
}

impl Coded {
    pub(crate) fn new(code: &str, table: fn(&str) -> Option<&'static str>) -> Coded {
        Coded {
            code: code.to_string(),
            meaning: table(code).unwrap_or("unknown code"),
        }
    }
}

/// IK501 / AK901: acknowledgment codes of a transaction set or functional group.
pub fn ack_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "A" => "accepted",
        "E" => "accepted, with errors noted",
        "M" => "rejected: message authentication code failed",
        "P" => "partially accepted: at least one transaction set rejected",
        "R" => "rejected",
        "W" => "rejected: assurance failed validity tests",
        "X" => "rejected: content could not be analysed after decryption",
        _ => return None,
    })
}

/// IK304: why a segment is in error.
pub fn segment_error(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "segment id not recognised",
        "2" => "segment not expected here",
        "3" => "a required segment is missing",
        "4" => "a loop repeats more often than allowed",
        "5" => "a segment repeats more often than allowed",
        "6" => "segment not defined for this transaction set",
        "7" => "segment out of order",
        "8" => "segment has element errors (see IK4)",
        "I4" => "segment the guide marks not used is present",
        "I6" => "segment the guide requires in this situation is missing",
        "I7" => "a loop occurs fewer times than the guide requires",
        "I8" => "a segment occurs fewer times than the guide requires",
        "I9" => "segment the guide marks not used in this situation is present",
        _ => return None,
    })
}

/// IK403: why an element is in error.
pub fn element_error(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "a required element is missing",
        "2" => "a conditionally required element is missing",
        "3" => "too many elements",
        "4" => "element too short",
        "5" => "element too long",
        "6" => "invalid character in element",
        "7" => "invalid code value",
        "8" => "invalid date",
        "9" => "invalid time",
        "10" => "elements that exclude each other are both present",
        "12" => "too many repetitions",
        "13" => "too many components",
        "I6" => "code value not used by the guide",
        "I9" => "element the guide requires in this situation is missing",
        "I10" => "element the guide marks not used is present",
        "I11" => "fewer repetitions than the guide requires",
        "I12" => "value does not match the guide's pattern",
        "I13" => "element the guide marks not used in this situation is present",
        _ => return None,
    })
}

/// IK502..IK506: why a transaction set is in error.
pub fn set_error(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "transaction set not supported",
        "2" => "SE trailer missing",
        "3" => "ST and SE control numbers differ",
        "4" => "SE segment count does not match",
        "5" => "one or more segments in error",
        "6" => "transaction set identifier missing or invalid",
        "7" => "transaction set control number missing or invalid",
        "8" => "authentication key name unknown",
        "9" => "encryption key name unknown",
        "10" => "requested security service not available",
        "11" => "security recipient unknown",
        "12" => "incorrect message length (encryption)",
        "13" => "message authentication code failed",
        "15" => "security originator unknown",
        "16" => "syntax error in decrypted text",
        "17" => "security not supported",
        "18" => "transaction set outside a functional group",
        "19" => "implementation convention reference invalid",
        "23" => "control number repeated in the functional group",
        "24" | "25" | "26" | "27" => "security start/end segments unbalanced",
        "I5" => "one or more segments in error against the guide",
        "I6" => "implementation guide not supported",
        _ => return None,
    })
}

/// AK905..AK909: why a functional group is in error.
pub fn group_error(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "functional group not supported",
        "2" => "functional group version not supported",
        "3" => "GE trailer missing",
        "4" => "GS and GE control numbers differ",
        "5" => "GE transaction set count does not match",
        "6" => "group control number malformed",
        "10" => "authentication key name unknown",
        "11" => "encryption key name unknown",
        "12" => "requested security service not available",
        "13" => "security recipient unknown",
        "14" => "security originator unknown",
        "15" => "syntax error in decrypted text",
        "16" => "security not supported",
        "17" => "incorrect message length (encryption)",
        "18" => "message authentication code failed",
        "19" => "group control number repeated in the interchange",
        "23" | "24" | "25" | "26" => "security start/end segments unbalanced",
        _ => return None,
    })
}

/// STC01-1 / STC10-1 / STC11-1: claim status category codes of a 277CA (the A group, which
/// front-end acknowledgments use).
pub fn status_category(code: &str) -> Option<&'static str> {
    Some(match code {
        "A0" => "acknowledged: forwarded to another entity",
        "A1" => "acknowledged: received, not yet accepted",
        "A2" => "acknowledged: accepted into adjudication",
        "A3" => "returned unprocessable: fix and submit a new claim",
        "A4" => "not found",
        "A5" => "acknowledged: split into more than one claim",
        "A6" => "rejected: information missing",
        "A7" => "rejected: information invalid",
        "A8" => "rejected: relational field in error",
        _ => return None,
    })
}

/// STC01-2: a few common claim status codes (the full list is X12 external code list 508).
pub fn status_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "0" => "no further status available electronically",
        "19" => "the entity acknowledges receiving the claim",
        "20" => "accepted for processing",
        "21" => "information missing or invalid",
        "562" => "the entity's NPI",
        _ => return None,
    })
}

/// What a claim status category decides for the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Accepted into adjudication (A2) or split and accepted (A5).
    Accepted,
    /// Rejected by the front end (A3, A4, A6, A7, A8): correct and resubmit.
    Rejected,
    /// Received or forwarded, no decision yet (A0, A1), or a category outside the A group.
    Pending,
}

/// The outcome a status category code stands for.
pub fn category_outcome(code: &str) -> Outcome {
    match code {
        "A2" | "A5" => Outcome::Accepted,
        "A3" | "A4" | "A6" | "A7" | "A8" => Outcome::Rejected,
        _ => Outcome::Pending,
    }
}
