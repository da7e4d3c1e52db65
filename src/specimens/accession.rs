//! Accession numbers: `YY` (UTC year of accessioning) + a 7-digit sequence + a Luhn (mod 10)
//! check digit, 10 digits in all (`2600000018`). The sequence comes from a per-year counter row
//! incremented inside the create transaction, so numbers never repeat, also with several
//! servers on one PostgreSQL (the row stays locked until the creating transaction ends).

use chrono::Datelike;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use crate::db::AnyConnection;
use crate::error::ApiError;

/// Largest sequence of one year (7 digits).
pub const MAX_SEQ: i64 = 9_999_999;

/// The Luhn check digit of `digits` (all ASCII digits).
pub fn luhn_digit(digits: &str) -> u8 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The accession number of sequence `seq` in year `year` (e.g. 2026).
pub fn format(year: i32, seq: i64) -> String {
    let body = format!("{:02}{:07}", year.rem_euclid(100), seq);
    let check = luhn_digit(&body);
    format!("{body}{check}")
}

/// Why a scanned or typed accession number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanError {
    /// Not 10 digits.
    Malformed,
    /// 10 digits whose check digit does not match: a mistyped or misread number.
    CheckDigit,
}

/// Checks a scanned accession number (spaces and dashes ignored) and returns its 10 digits.
pub fn parse(raw: &str) -> Result<String, ScanError> {
    let s: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if s.len() != 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScanError::Malformed);
    }
    let (body, check) = s.split_at(9);
    if check.as_bytes()[0] - b'0' != luhn_digit(body) {
        return Err(ScanError::CheckDigit);
    }
    Ok(s)
}

/// The 422 answer to a refused scan, naming the path parameter.
pub fn scan_error(e: ScanError) -> ApiError {
    match e {
        ScanError::Malformed => ApiError::invalid_field(
            "{accession}",
            "invalid_format",
            "an accession number is 10 digits (YY + 7-digit sequence + check digit)",
        ),
        ScanError::CheckDigit => ApiError::invalid_field(
            "{accession}",
            "check_digit",
            "the check digit does not match: the accession number was mistyped or misread; scan it again",
        ),
    }
}

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

// Both backends accept this statement (SQLite 3.35+ has RETURNING and upsert); only the
// placeholder differs. The conflicting row is locked until the transaction ends.
const TAKE_PG: &str = "INSERT INTO accession_counters (year, next_seq) VALUES ($1, 2) \
     ON CONFLICT (year) DO UPDATE SET next_seq = accession_counters.next_seq + 1 \
     RETURNING next_seq - 1 AS seq";
const TAKE_SQLITE: &str = "INSERT INTO accession_counters (year, next_seq) VALUES (?, 2) \
     ON CONFLICT (year) DO UPDATE SET next_seq = accession_counters.next_seq + 1 \
     RETURNING next_seq - 1 AS seq";

/// Takes the next accession number of the current UTC year (inside the caller's transaction).
pub fn take_next(conn: &mut AnyConnection) -> Result<String, ApiError> {
    let year = chrono::Utc::now().year();
    let taken: Taken = match conn {
        AnyConnection::Postgres(c) => diesel::sql_query(TAKE_PG)
            .bind::<Integer, _>(year)
            .get_result(c)?,
        AnyConnection::Sqlite(c) => diesel::sql_query(TAKE_SQLITE)
            .bind::<Integer, _>(year)
            .get_result(c)?,
    };
    if !(1..=MAX_SEQ).contains(&taken.seq) {
        tracing::error!(year, "accession sequence exhausted for the year");
        return Err(ApiError::internal());
    }
    Ok(format(year, taken.seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_parse() {
        // Classic Luhn example: 7992739871 -> 3.
        assert_eq!(luhn_digit("7992739871"), 3);
        let a = format(2026, 1);
        assert_eq!(a.len(), 10);
        assert!(a.starts_with("260000001"));
        assert_eq!(parse(&a), Ok(a.clone()));
        assert_eq!(parse(&format!("{}-{}", &a[..2], &a[2..])), Ok(a.clone()));
        // Every single-digit error is caught.
        for i in 0..10 {
            for d in b'0'..=b'9' {
                let mut b = a.clone().into_bytes();
                if b[i] == d {
                    continue;
                }
                b[i] = d;
                let s = String::from_utf8(b).unwrap_or_default();
                assert_eq!(parse(&s), Err(ScanError::CheckDigit), "{s}");
            }
        }
        assert_eq!(parse("12345"), Err(ScanError::Malformed));
        assert_eq!(parse("26000000A1"), Err(ScanError::Malformed));
    }
}
