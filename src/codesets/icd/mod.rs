//! ICD-10-CM: the tabular tree, MCE validity and edits, and tabular notes.

pub mod edits;
pub mod notes;
pub(crate) mod table;
