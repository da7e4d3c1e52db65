//! Meanings of claim adjustment reason codes (CARC) and remittance advice remark codes (RARC),
//! in our own words, from codesets/tables/carc.tsv and rarc.tsv (embedded). Pure lookups.

use std::sync::OnceLock;

/// What to show for a code the tables do not have.
pub const NO_DESCRIPTION: &str = "no description bundled";

const CARC: &str = include_str!("../../codesets/tables/carc.tsv");
const RARC: &str = include_str!("../../codesets/tables/rarc.tsv");

/// Parses a `code<TAB>meaning` table (lines starting with `#` are comments), sorted by code
/// for binary search. Malformed lines are skipped; a unit test checks that none exist.
fn parse(text: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut rows: Vec<_> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
    rows
}

fn find(table: &[(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_uppercase();
    table
        .binary_search_by(|(c, _)| (*c).cmp(code.as_str()))
        .ok()
        .map(|i| table[i].1)
}

fn carc_table() -> &'static [(&'static str, &'static str)] {
    static T: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    T.get_or_init(|| parse(CARC))
}

fn rarc_table() -> &'static [(&'static str, &'static str)] {
    static T: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    T.get_or_init(|| parse(RARC))
}

/// The meaning of a claim adjustment reason code (`45`, `CO-45` is not a code: pass `45`).
pub fn carc_meaning(code: &str) -> Option<&'static str> {
    find(carc_table(), code)
}

/// The meaning of a remittance advice remark code (`N130`, `MA18`).
pub fn rarc_meaning(code: &str) -> Option<&'static str> {
    find(rarc_table(), code)
}

/// The meaning of a CARC, or [`NO_DESCRIPTION`].
pub fn carc_or_unknown(code: &str) -> &'static str {
    carc_meaning(code).unwrap_or(NO_DESCRIPTION)
}

/// The meaning of a RARC, or [`NO_DESCRIPTION`].
pub fn rarc_or_unknown(code: &str) -> &'static str {
    rarc_meaning(code).unwrap_or(NO_DESCRIPTION)
}

/// The meaning of a claim adjustment group code (CAS01).
pub fn group_meaning(group: &str) -> Option<&'static str> {
    Some(match group {
        "CO" => "contractual obligation: the provider writes it off, the patient does not owe it",
        "PR" => "patient responsibility",
        "OA" => "other adjustment",
        "PI" => "payer-initiated reduction",
        "CR" => "correction or reversal of a prior decision",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_both_tables_is_a_code_and_a_meaning() {
        for (name, text) in [("carc", CARC), ("rarc", RARC)] {
            let mut seen = std::collections::HashSet::new();
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                let (code, meaning) = line.split_once('\t').unwrap_or(("", ""));
                assert!(
                    !code.is_empty() && code.bytes().all(|b| b.is_ascii_alphanumeric()),
                    "{name}: {line:?}"
                );
                assert!(
                    meaning.len() > 5 && !meaning.contains('\t'),
                    "{name}: {line:?}"
                );
                assert!(seen.insert(code), "{name}: {code} twice");
            }
        }
        assert!(carc_table().len() >= 100, "{}", carc_table().len());
        assert!(rarc_table().len() >= 40);
    }

    #[test]
    fn the_codes_offices_see_most_have_meanings() {
        for code in [
            "1", "2", "3", "4", "5", "16", "18", "22", "23", "26", "27", "29", "45", "50", "96",
            "97", "109", "119", "197", "204", "242", "253",
        ] {
            assert!(carc_meaning(code).is_some(), "CARC {code}");
        }
        for code in ["N130", "M15", "MA18", "N89", "MA130", "N290"] {
            assert!(rarc_meaning(code).is_some(), "RARC {code}");
        }
        assert!(carc_meaning("45").unwrap_or("").contains("fee schedule"));
        assert_eq!(rarc_meaning(" ma18 "), rarc_meaning("MA18"));
        assert_eq!(carc_or_unknown("999"), NO_DESCRIPTION);
        assert_eq!(rarc_or_unknown("Z9"), NO_DESCRIPTION);
        assert_eq!(group_meaning("PR"), Some("patient responsibility"));
        assert_eq!(group_meaning("XX"), None);
    }
}
