//! Portable SQL types: a UUID stored as `uuid` on PostgreSQL and canonical text on SQLite, and a
//! UTC timestamp stored as `timestamptz` on PostgreSQL and fixed-width RFC 3339 text on SQLite.

use chrono::{DateTime, SubsecRound, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, Text, Timestamptz};
use diesel::sqlite::{Sqlite, SqliteValue};
use std::io::Write;
use uuid::Uuid;

use super::connection::{MultiBackend, MultiRawValue};

/// A UUID column (`uuid` on PostgreSQL, 36-character lowercase text on SQLite).
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Text"))]
pub struct PortableUuid;

/// A UTC timestamp column (`timestamptz` on PostgreSQL, text that sorts in time order on SQLite).
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct PortableTimestamp;

/// The current time in UTC, truncated to microseconds so both backends store it exactly.
pub fn now_utc() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The SQLite text form of a timestamp (`YYYY-MM-DDTHH:MM:SS.ffffffZ`): fixed width, so text
/// order is time order. Every row written on SQLite carries one or more, so the digits are
/// written directly instead of through chrono's format-string interpreter (a few thousand
/// instructions a call); years outside 0–9999 and leap seconds take chrono's path.
pub fn sqlite_timestamp_text(t: &DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    }
    let mut out = [0u8; 27];
    let mut put = |at: usize, width: usize, mut value: u32| {
        for slot in out[at..at + width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year.unsigned_abs());
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second());
    put(20, 6, nanos / 1000);
    for (at, sep) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (26, b'Z'),
    ] {
        out[at] = sep;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

impl ToSql<PortableUuid, Pg> for Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<PortableUuid, Pg> for Uuid {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        Ok(Uuid::from_slice(value.as_bytes())?)
    }
}

impl ToSql<PortableUuid, Sqlite> for Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

impl FromSql<PortableUuid, Sqlite> for Uuid {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
        Ok(Uuid::parse_str(&text)?)
    }
}

impl ToSql<PortableTimestamp, Pg> for DateTime<Utc> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<Timestamptz, Pg>>::to_sql(self, out)
    }
}

impl FromSql<PortableTimestamp, Pg> for DateTime<Utc> {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<Timestamptz, Pg>>::from_sql(value)
    }
}

impl ToSql<PortableTimestamp, Sqlite> for DateTime<Utc> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(sqlite_timestamp_text(self));
        Ok(IsNull::No)
    }
}

impl FromSql<PortableTimestamp, Sqlite> for DateTime<Utc> {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
        Ok(DateTime::parse_from_rfc3339(&text)?.with_timezone(&Utc))
    }
}

/// Wires a portable type into the multi-backend: each value is handed to the inner backend's
/// own `ToSql`/`FromSql` above.
macro_rules! multi_backend_type {
    ($sql:ty, $rust:ty) => {
        impl HasSqlType<$sql> for MultiBackend {
            fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                MultiBackend::lookup_sql_type::<$sql>(lookup)
            }
        }

        impl ToSql<$sql, MultiBackend> for $rust {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((<$sql>::default(), self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<$sql, MultiBackend> for $rust {
            fn from_sql(bytes: MultiRawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, $sql>()
            }
        }
    };
}

/// Declares a typed id: a UUID newtype that is bound and loaded as [`PortableUuid`], so ids of
/// different resources cannot be mixed up and queries take them directly.
#[macro_export]
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = $crate::db::types::PortableUuid)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new time-ordered (v7) id.
            pub fn new() -> Self {
                $name(uuid::Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(u: uuid::Uuid) -> Self {
                $name(u)
            }
        }

        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<$crate::db::types::PortableUuid, DB> for $name
        where
            uuid::Uuid: diesel::serialize::ToSql<$crate::db::types::PortableUuid, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<$crate::db::types::PortableUuid, DB> for $name
        where
            uuid::Uuid: diesel::deserialize::FromSql<$crate::db::types::PortableUuid, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                uuid::Uuid::from_sql(bytes).map($name)
            }
        }
    };
}

/// A UTC instant stored as [`PortableTimestamp`], serialised as RFC 3339.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[serde(transparent)]
#[diesel(sql_type = PortableTimestamp)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// Now, truncated to microseconds so both backends store it exactly.
    pub fn now() -> Self {
        Timestamp(now_utc())
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

impl<DB: Backend> ToSql<PortableTimestamp, DB> for Timestamp
where
    DateTime<Utc>: ToSql<PortableTimestamp, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.to_sql(out)
    }
}

impl<DB: Backend> FromSql<PortableTimestamp, DB> for Timestamp
where
    DateTime<Utc>: FromSql<PortableTimestamp, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        DateTime::<Utc>::from_sql(bytes).map(Timestamp)
    }
}

multi_backend_type!(PortableUuid, Uuid);
multi_backend_type!(PortableTimestamp, DateTime<Utc>);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sqlite_text_sorts_in_time_order() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single();
        let b = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 6).single();
        let (Some(a), Some(b)) = (a, b) else {
            panic!("valid dates")
        };
        assert!(sqlite_timestamp_text(&a) < sqlite_timestamp_text(&b));
        assert_eq!(sqlite_timestamp_text(&a), "2026-01-02T03:04:05.000000Z");
    }

    #[test]
    fn sqlite_text_matches_chrono_formatting() {
        // A spread of instants (every field's edges included) written both ways.
        let mut seconds: i64 = -62_135_596_800; // 0001-01-01
        let mut nanos: u32 = 0;
        for step in 0..20_000i64 {
            let Some(t) = DateTime::<Utc>::from_timestamp(seconds, nanos) else {
                panic!("valid instant")
            };
            assert_eq!(
                sqlite_timestamp_text(&t),
                t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
            );
            seconds += 12_345_679 + step * 7;
            nanos = (nanos + 123_457_001) % 1_000_000_000;
        }
        let edges = [
            (0, 0),
            (253_402_300_799, 999_999_999), // 9999-12-31T23:59:59.999999
            (-62_167_219_200, 1_000),       // 0000-01-01
            (-62_167_219_201, 0),           // year -1: chrono's path
        ];
        for (s, n) in edges {
            let Some(t) = DateTime::<Utc>::from_timestamp(s, n) else {
                panic!("valid instant")
            };
            assert_eq!(
                sqlite_timestamp_text(&t),
                t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
            );
        }
    }
}
