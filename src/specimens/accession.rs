//! Accession numbers: `YY` (UTC year of accessioning) + a 7-digit sequence + a Luhn (mod 10)
//! check digit, 10 digits in all (`2600000018`). The sequence never repeats:
//! - PostgreSQL: one sequence per year (`accession_seq_2026`, made on first use under an
//!   advisory lock). `nextval` takes no row lock, so several servers accession in parallel; a
//!   rolled-back create leaves a gap, never a repeat.
//! - SQLite: a per-year counter row incremented inside the create transaction (SQLite's write
//!   transaction already serialises writers).

use chrono::Datelike;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use crate::db::AnyConnection;
use crate::error::DomainError;

/// Largest sequence of one year (7 digits).
pub const MAX_SEQ: i64 = 9_999_999;

/// The Luhn check digit of `digits` (all ASCII digits).
pub fn luhn_digit(digits: &str) -> u8 {
    crate::validation::luhn::check_digit(digits.as_bytes())
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
pub fn scan_error(e: ScanError) -> DomainError {
    match e {
        ScanError::Malformed => DomainError::invalid_field(
            "{accession}",
            "invalid_format",
            "an accession number is 10 digits (YY + 7-digit sequence + check digit)",
        ),
        ScanError::CheckDigit => DomainError::invalid_field(
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

#[derive(QueryableByName)]
struct MaybeTaken {
    #[diesel(sql_type = Nullable<BigInt>)]
    seq: Option<i64>,
}

/// `nextval` of the year's sequence, or NULL while it does not exist yet (nextval is strict).
const TAKE_PG: &str = "SELECT nextval(to_regclass($1)) AS seq";
/// Serialises the first use of a year's sequence across servers (released at commit).
const CREATE_LOCK_PG: &str = "SELECT pg_advisory_xact_lock(4872150913)";

fn take_pg(c: &mut diesel::PgConnection, year: i32) -> QueryResult<i64> {
    let name = format!("accession_seq_{year}");
    let taken: MaybeTaken = diesel::sql_query(TAKE_PG)
        .bind::<Text, _>(&name)
        .get_result(c)?;
    if let Some(seq) = taken.seq {
        return Ok(seq);
    }
    diesel::sql_query(CREATE_LOCK_PG).execute(c)?;
    // `year` is an integer, so the name is a safe identifier.
    diesel::sql_query(format!(
        "CREATE SEQUENCE IF NOT EXISTS {name} MINVALUE 1 MAXVALUE {MAX_SEQ} NO CYCLE"
    ))
    .execute(c)?;
    let taken: MaybeTaken = diesel::sql_query(TAKE_PG)
        .bind::<Text, _>(&name)
        .get_result(c)?;
    taken.seq.ok_or(diesel::result::Error::NotFound)
}

// SQLite 3.35+ has RETURNING and upsert; the write transaction serialises writers.
const TAKE_SQLITE: &str = "INSERT INTO accession_counters (year, next_seq) VALUES (?, 2) \
     ON CONFLICT (year) DO UPDATE SET next_seq = accession_counters.next_seq + 1 \
     RETURNING next_seq - 1 AS seq";

/// Takes the next accession number of the current UTC year (inside the caller's transaction).
pub fn take_next(conn: &mut AnyConnection) -> Result<String, DomainError> {
    let year = chrono::Utc::now().year();
    let seq = match conn {
        AnyConnection::Postgres(c) => take_pg(c, year)?,
        AnyConnection::Sqlite(c) => {
            diesel::sql_query(TAKE_SQLITE)
                .bind::<Integer, _>(year)
                .get_result::<Taken>(c)?
                .seq
        }
    };
    if !(1..=MAX_SEQ).contains(&seq) {
        tracing::error!(year, "accession sequence exhausted for the year");
        return Err(DomainError::internal());
    }
    Ok(format(year, seq))
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
