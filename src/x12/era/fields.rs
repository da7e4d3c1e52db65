//! Element readers of the 835: strict ones (money, identifiers, codes) that fail with a reason,
//! and the composite splitter that tolerates a payer's wrong component separator.

use chrono::NaiveDate;

use super::super::ack277::parse_money;
use super::model::Procedure;

/// Money in cents, or why not.
pub fn money(value: &str, what: &str) -> Result<i64, String> {
    if value.is_empty() {
        return Err(format!("{what} is required"));
    }
    parse_money(value).ok_or_else(|| format!("{what} {value:?} is not an amount"))
}

/// Optional money: empty is `None`, anything else must be an amount.
pub fn opt_money(value: &str, what: &str) -> Result<Option<i64>, String> {
    if value.is_empty() {
        Ok(None)
    } else {
        money(value, what).map(Some)
    }
}

/// A required identifier: not empty, printable ASCII.
pub fn ident(value: &str, what: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("{what} is required"));
    }
    if !v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(format!("{what} {v:?} has characters an identifier cannot"));
    }
    Ok(v.to_string())
}

/// A code of 1 to `max` letters or digits (CARC, RARC, PLB reason).
pub fn code(value: &str, what: &str, max: usize) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() || v.len() > max || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("{what} {v:?} is not a code"));
    }
    Ok(v.to_ascii_uppercase())
}

/// A CCYYMMDD date.
pub fn date(value: &str) -> Option<NaiveDate> {
    if value.len() != 8 {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y%m%d").ok()
}

/// The separators a payer may wrongly use inside SVC composites instead of ISA16.
const FALLBACK_SEPARATORS: [char; 5] = [':', '>', '^', '<', '\\'];

/// Splits a procedure composite (`HC:99213:25`). When the element holds no ISA16 separator but
/// another usual one right after a two-letter qualifier, that one is used and the second
/// value is true (a warning for the caller).
pub fn procedure(value: &str, separator: char) -> Result<(Procedure, bool), String> {
    let mut used = separator;
    let mut fallback = false;
    if !value.contains(separator) {
        if let Some(c) = value
            .chars()
            .nth(2)
            .filter(|c| FALLBACK_SEPARATORS.contains(c))
        {
            used = c;
            fallback = true;
        }
    }
    let mut parts = value.split(used);
    let qualifier = parts.next().unwrap_or("").trim();
    let code_value = parts.next().unwrap_or("").trim();
    if qualifier.is_empty()
        || code_value.is_empty()
        || !qualifier.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(format!(
            "procedure {value:?} is not qualifier{separator}code"
        ));
    }
    let code_value = ident(code_value, "procedure code")?;
    let mut modifiers = Vec::new();
    // Components 3 to 6 are modifiers; 7 is a description, 8 a product id we do not read.
    for m in parts.take(4) {
        if !m.is_empty() {
            modifiers.push(code(m, "modifier", 2)?);
        }
    }
    Ok((
        Procedure {
            qualifier: qualifier.to_string(),
            code: code_value.to_ascii_uppercase(),
            modifiers,
        },
        fallback,
    ))
}

/// Splits a composite on `separator` into its first two parts (PLB03: reason, reference).
pub fn pair(value: &str, separator: char) -> (&str, &str) {
    let mut parts = value.split(separator);
    (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn money_is_strict() {
        assert_eq!(money("12.5", "x"), Ok(1250));
        assert_eq!(money("-3", "x"), Ok(-300));
        assert!(money("", "CLP04").unwrap_err().contains("required"));
        assert!(money("1.234", "x").is_err());
        assert!(money("12,00", "x").is_err());
        assert_eq!(opt_money("", "x"), Ok(None));
    }

    #[test]
    fn procedures_split_with_isa16_or_a_fallback() {
        let (p, fb) = procedure("HC:99213:25:GT", ':').unwrap();
        assert_eq!(
            (p.code.as_str(), p.modifiers.len(), fb),
            ("99213", 2, false)
        );
        let (p, fb) = procedure("HC>99214>59", ':').unwrap();
        assert_eq!(
            (p.qualifier.as_str(), p.code.as_str(), fb),
            ("HC", "99214", true)
        );
        assert_eq!(p.modifiers, vec!["59"]);
        assert!(procedure("99213", ':').is_err());
        assert!(procedure("HC:99213:TOOLONG", ':').is_err());
    }

    #[test]
    fn dates_and_codes() {
        assert_eq!(date("20250310"), NaiveDate::from_ymd_opt(2025, 3, 10));
        assert_eq!(date("20251310"), None);
        assert_eq!(date("250310"), None);
        assert_eq!(code("n130", "x", 5).unwrap(), "N130");
        assert!(code("A-1", "x", 5).is_err());
    }
}
