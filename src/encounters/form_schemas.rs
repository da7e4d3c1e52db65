//! The document's schemas of the encounter list fields whose items have rules of their own
//! (utoipa's field attributes describe the list, not its items): what `check` and
//! `line_rules` accept, so generated requests and clients' validators know it.

use utoipa::openapi::schema::{Array, ObjectBuilder, Type};

use super::check::MAX_DIAGNOSES;
use crate::openapi::exact::list_schema as list;

/// ICD-10-CM codes as sent: a letter, a digit, then up to 5 letters or digits, with or without
/// the dot after the third character (whether each exists is checked against the tables for
/// the date of service); at most 50, null or absent for none.
pub fn diagnoses() -> Array {
    let code = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(
            r"^ *[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})? *$",
        ))
        .examples([serde_json::json!("E11.9")]);
    list(code, None, MAX_DIAGNOSES, true).build()
}

/// Up to 4 modifiers of two letters or digits.
pub fn modifiers() -> Array {
    let modifier = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^[A-Za-z0-9]{2}$"))
        .examples([serde_json::json!("25")]);
    list(modifier, None, 4, false).build()
}

/// 1 to 4 distinct 1-based positions in the diagnosis list.
pub fn diagnosis_pointers() -> Array {
    let position = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
            utoipa::openapi::schema::KnownFormat::Int32,
        )))
        .minimum(Some(1))
        .maximum(Some(MAX_DIAGNOSES as f64));
    list(position, Some(1), 4, false).unique_items(true).build()
}
