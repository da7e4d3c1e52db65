//! Who medbill says it is in the envelopes it writes (sender, receiver, submitter contact),
//! from MEDBILL_X12_* environment variables with working defaults for tests.

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

impl SubmitterSettings {
    /// The defaults overridden by MEDBILL_X12_SENDER_ID, MEDBILL_X12_SENDER_QUALIFIER,
    /// MEDBILL_X12_RECEIVER_ID, MEDBILL_X12_RECEIVER_QUALIFIER, MEDBILL_X12_RECEIVER_NAME,
    /// MEDBILL_X12_SUBMITTER_NAME, MEDBILL_X12_CONTACT_NAME, MEDBILL_X12_CONTACT_PHONE and
    /// MEDBILL_X12_USAGE (`P` or `T`).
    pub fn from_env() -> Self {
        let mut s = SubmitterSettings::default();
        let set = |field: &mut String, var: &str| {
            if let Ok(v) = std::env::var(var) {
                if !v.trim().is_empty() {
                    *field = v.trim().to_string();
                }
            }
        };
        set(&mut s.sender_id, "MEDBILL_X12_SENDER_ID");
        set(&mut s.sender_qualifier, "MEDBILL_X12_SENDER_QUALIFIER");
        set(&mut s.receiver_id, "MEDBILL_X12_RECEIVER_ID");
        set(&mut s.receiver_qualifier, "MEDBILL_X12_RECEIVER_QUALIFIER");
        set(&mut s.receiver_name, "MEDBILL_X12_RECEIVER_NAME");
        set(&mut s.submitter_name, "MEDBILL_X12_SUBMITTER_NAME");
        set(&mut s.contact_name, "MEDBILL_X12_CONTACT_NAME");
        set(&mut s.contact_phone, "MEDBILL_X12_CONTACT_PHONE");
        s.production = std::env::var("MEDBILL_X12_USAGE").is_ok_and(|v| v.trim() == "P");
        s
    }
}

/// The process's submitter settings, read from the environment once.
pub fn submitter() -> &'static SubmitterSettings {
    static ONCE: std::sync::OnceLock<SubmitterSettings> = std::sync::OnceLock::new();
    ONCE.get_or_init(SubmitterSettings::from_env)
}
