//! Dates exactly as `YYYY-MM-DD`. chrono's own parser also takes `1971-3-14` or `+1971-03-14`;
//! accepting those would let a typo through as a different-looking date, so every date read
//! from a request goes through these `deserialize_with` functions instead.

use chrono::NaiveDate;
use serde::de::Error;
use serde::{Deserialize, Deserializer};

const MESSAGE: &str = "the date must be exactly YYYY-MM-DD, e.g. 1971-03-14";

/// Parses `text` as a calendar date written exactly `YYYY-MM-DD`.
pub fn parse(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn from_text<E: Error>(text: &str) -> Result<NaiveDate, E> {
    parse(text).ok_or_else(|| E::custom(format!("invalid value {text:?}: {MESSAGE}")))
}

/// A required date.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let text = std::borrow::Cow::<str>::deserialize(d)?;
    from_text(&text)
}

/// An optional date (absent or `null` is `None`); use with `#[serde(default)]`.
pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<std::borrow::Cow<str>>::deserialize(d)? {
        None => Ok(None),
        Some(text) => from_text(&text).map(Some),
    }
}

/// A date that may be absent (unchanged), `null` (cleared) or set; use with `#[serde(default)]`.
pub fn double<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<NaiveDate>>, D::Error> {
    option(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_form_is_a_date() {
        assert_eq!(parse("1971-03-14"), NaiveDate::from_ymd_opt(1971, 3, 14));
        for bad in [
            "1971-3-14",
            "1971-03-4",
            "+1971-03-14",
            "71-03-14",
            "1971-02-30",
            " 1971-03-14",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
