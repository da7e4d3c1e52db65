//! The statuses of stored remittances and of their unmatched queue items.

/// What posting one payment came to.
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
pub enum RemittanceStatus {
    /// Every claim payment posted.
    Posted,
    /// The balance check failed: nothing posted.
    OutOfBalance,
    /// Some claim payments posted, the rest in the unmatched queue.
    PartiallyUnmatched,
    /// Every claim payment in the unmatched queue.
    Unmatched,
}

crate::text_enum!(RemittanceStatus);

impl RemittanceStatus {
    /// Every status.
    pub const ALL: [RemittanceStatus; 4] = [
        RemittanceStatus::Posted,
        RemittanceStatus::OutOfBalance,
        RemittanceStatus::PartiallyUnmatched,
        RemittanceStatus::Unmatched,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            RemittanceStatus::Posted => "posted",
            RemittanceStatus::OutOfBalance => "out_of_balance",
            RemittanceStatus::PartiallyUnmatched => "partially_unmatched",
            RemittanceStatus::Unmatched => "unmatched",
        }
    }

    /// Parses a stored or API name.
    pub fn parse(s: &str) -> Option<RemittanceStatus> {
        RemittanceStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// Whether an unmatched claim payment still waits for a person.
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
pub enum UnmatchedStatus {
    /// Waiting to be matched by hand.
    Open,
    /// Attached to a claim by hand.
    Matched,
}

crate::text_enum!(UnmatchedStatus);

impl UnmatchedStatus {
    /// Every status.
    pub const ALL: [UnmatchedStatus; 2] = [UnmatchedStatus::Open, UnmatchedStatus::Matched];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            UnmatchedStatus::Open => "open",
            UnmatchedStatus::Matched => "matched",
        }
    }

    /// Parses a stored or API name.
    pub fn parse(s: &str) -> Option<UnmatchedStatus> {
        UnmatchedStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}
