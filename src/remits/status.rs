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

crate::text_enum!(RemittanceStatus {
    Posted => "posted",
    OutOfBalance => "out_of_balance",
    PartiallyUnmatched => "partially_unmatched",
    Unmatched => "unmatched",
});

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

crate::text_enum!(UnmatchedStatus {
    Open => "open",
    Matched => "matched",
});
