//! The claim frequency code (CLM05-3) a claim row stores: an original, or a replacement or
//! void of an earlier claim.

/// CLM05-3 as stored on the claim row; the payer's claim number that a replacement or void
/// carries is kept beside it (`x12::Frequency` joins the two for the 837P).
///
/// Stored as its code in a TEXT column and serialised as the same code ([`crate::text_enum!`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Frequency {
    /// `1`: an original claim.
    Original,
    /// `7`: replaces an earlier claim.
    Replacement,
    /// `8`: voids an earlier claim.
    Void,
}

crate::text_enum!(Frequency);

/// Every frequency, by code.
pub const ALL: [Frequency; 3] = [Frequency::Original, Frequency::Replacement, Frequency::Void];

impl Frequency {
    /// The stored and API code.
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Original => "1",
            Frequency::Replacement => "7",
            Frequency::Void => "8",
        }
    }

    /// Parses a stored or API code.
    pub fn parse(s: &str) -> Option<Frequency> {
        ALL.into_iter().find(|f| f.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for f in ALL {
            assert_eq!(Frequency::parse(f.as_str()), Some(f));
        }
        assert_eq!(Frequency::parse("2"), None);
        assert_eq!(serde_json::json!(Frequency::Void), serde_json::json!("8"));
    }
}
