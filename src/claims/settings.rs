//! Who medbill says it is in the envelopes it writes (sender, receiver, submitter contact),
//! read from MEDBILL_X12_* once at start-up by `config::submitter_from_env` and passed down
//! (`AppState::submitter`, the worker's config), with working defaults for tests.

/// The submitter's identity in ISA/GS and loops 1000A/1000B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitterSettings {
    /// ISA05 (`ZZ` by default).
    pub sender_qualifier: String,
    /// ISA06, GS02 and the 1000A id (`MEDBILL`); control numbers are unique per sender.
    pub sender_id: String,
    /// ISA07.
    pub receiver_qualifier: String,
    /// ISA08, GS03 and the 1000B id.
    pub receiver_id: String,
    /// 1000B name.
    pub receiver_name: String,
    /// 1000A name.
    pub submitter_name: String,
    /// PER02.
    pub contact_name: String,
    /// PER TE (10 digits).
    pub contact_phone: String,
    /// ISA15 `P` when true, `T` (test) otherwise.
    pub production: bool,
}

impl Default for SubmitterSettings {
    fn default() -> Self {
        SubmitterSettings {
            sender_qualifier: "ZZ".into(),
            sender_id: "MEDBILL".into(),
            receiver_qualifier: "ZZ".into(),
            receiver_id: "CLEARINGHOUSE".into(),
            receiver_name: "CLEARINGHOUSE".into(),
            submitter_name: "MEDBILL OFFICE".into(),
            contact_name: "BILLING OFFICE".into(),
            contact_phone: "5555550100".into(),
            production: false,
        }
    }
}
