//! ICD-10-CM: the tabular tree, MCE validity and edits, and tabular notes.

pub mod edits;
pub(crate) mod mce;
pub mod notes;
pub mod pattern;
pub(crate) mod table;
