//! Enums stored as their names in a TEXT column on both backends (`text_enum!`).
//!
//! Status and code columns stay plain TEXT (no database enum types, so migrations and both
//! backends are unchanged); the row structs hold the Rust enum so the code compares variants
//! instead of strings. A stored value the enum does not know is a deserialize error (a server
//! fault reported by the store), never a panic.

/// Stores the enum `$t` as TEXT and serialises it (serde, `Display`) as the same name.
///
/// `$t` must be `Copy` and have `fn as_str(self) -> &'static str` and
/// `fn parse(&str) -> Option<Self>`, and derive `diesel::expression::AsExpression` and
/// `diesel::deserialize::FromSqlRow` with `#[diesel(sql_type = diesel::sql_types::Text)]`
/// (derives cannot be added from here). In an API struct, give the field
/// `#[schema(value_type = String)]` so the OpenAPI document shows the plain string it was.
///
/// With a list of variants and names, `text_enum!(T { A => "a", B => "b" })` also writes
/// `T::ALL` (every variant, in the order given), `as_str` and `parse`, so a plain status enum
/// is its derives, its variants and this one line.
#[macro_export]
macro_rules! text_enum {
    ($t:ident { $($v:ident => $name:literal),+ $(,)? }) => {
        impl $t {
            /// Every value, in the order the type lists them.
            pub const ALL: [$t; [$(stringify!($v)),+].len()] = [$($t::$v),+];

            /// The stored and API name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($t::$v => $name),+
                }
            }

            /// Parses a stored or API name.
            pub fn parse(s: &str) -> Option<$t> {
                <$t>::ALL.into_iter().find(|v| v.as_str() == s)
            }
        }

        $crate::text_enum!($t);
    };
    ($t:ty) => {
        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Text, DB>
            for $t
        where
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                // `as_str` gives a `&'static str`, which outlives the output buffer.
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    <$t>::as_str(*self),
                    out,
                )
            }
        }

        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB>
            for $t
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                // The stored text, then the variant it names.
                let text: String =
                    diesel::deserialize::FromSql::<diesel::sql_types::Text, DB>::from_sql(bytes)?;
                <$t>::parse(&text).ok_or_else(|| {
                    format!("unknown {} value {text:?} in the database", stringify!($t)).into()
                })
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(<$t>::as_str(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                <$t>::parse(&text).ok_or_else(|| {
                    <D::Error as serde::de::Error>::custom(format!(
                        "unknown {} value {text:?}",
                        stringify!($t)
                    ))
                })
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(<$t>::as_str(*self))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use crate::db::AnyConnection;

    /// A two-state enum standing in for the statuses.
    #[derive(
        Debug,
        Clone,
        Copy,
        PartialEq,
        Eq,
        diesel::expression::AsExpression,
        diesel::deserialize::FromSqlRow,
    )]
    #[diesel(sql_type = Text)]
    enum Light {
        Red,
        Green,
    }

    impl Light {
        fn as_str(self) -> &'static str {
            match self {
                Light::Red => "red",
                Light::Green => "green",
            }
        }

        fn parse(s: &str) -> Option<Light> {
            [Light::Red, Light::Green]
                .into_iter()
                .find(|l| l.as_str() == s)
        }
    }

    crate::text_enum!(Light);

    fn memory() -> AnyConnection {
        match AnyConnection::open(":memory:") {
            Ok(c) => c,
            Err(e) => panic!("in-memory SQLite: {e}"),
        }
    }

    /// Binds `value` as TEXT and loads it back as a `Light`.
    fn load(conn: &mut AnyConnection, value: Light) -> QueryResult<Light> {
        diesel::select(value.into_sql::<Text>()).get_result(conn)
    }

    /// Binds `value` as TEXT and loads the text the database holds.
    fn text_of(conn: &mut AnyConnection, value: Light) -> QueryResult<String> {
        diesel::select(value.into_sql::<Text>()).get_result(conn)
    }

    /// Loads stored text `text` as a `Light`.
    fn parse_stored(conn: &mut AnyConnection, text: &str) -> QueryResult<Light> {
        diesel::select(text.into_sql::<Text>()).get_result(conn)
    }

    #[test]
    fn round_trips_as_text_through_the_multi_backend() {
        let mut conn = memory();
        let back = load(&mut conn, Light::Green);
        assert!(matches!(back, Ok(Light::Green)), "{back:?}");
        // Stored as the bare name, so string filters on the column keep working.
        let text = text_of(&mut conn, Light::Red);
        assert_eq!(text.as_deref(), Ok("red"));
    }

    #[test]
    fn unknown_stored_value_is_an_error_not_a_panic() {
        let mut conn = memory();
        let got = parse_stored(&mut conn, "amber");
        match got {
            Err(diesel::result::Error::DeserializationError(e)) => {
                // diesel wraps the error with the field; ours (naming the value) is its source.
                let mut chain = e.to_string();
                let mut cause = std::error::Error::source(&*e);
                while let Some(c) = cause {
                    chain.push_str(&format!(": {c}"));
                    cause = c.source();
                }
                assert!(chain.contains("unknown Light value \"amber\""), "{chain}");
            }
            other => panic!("expected a deserialization error, got {other:?}"),
        }
    }

    #[test]
    fn serde_and_display_use_the_name() {
        assert_eq!(serde_json::json!(Light::Green), serde_json::json!("green"));
        let back = serde_json::from_str::<Light>("\"red\"");
        assert!(matches!(back, Ok(Light::Red)), "{back:?}");
        assert!(serde_json::from_str::<Light>("\"amber\"").is_err());
        assert_eq!(Light::Red.to_string(), "red");
    }
}
