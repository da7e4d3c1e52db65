//! Bundled code tables: ICD-10-CM, HCPCS Level II, NCCI PTP edits and small reference lists,
//! embedded in the binary and indexed in memory at start. Pure: no HTTP, no SQL.
//!
//! Start with [`CodeTables::embedded`] (or [`CodeTables::load_embedded`] for an owned copy that
//! can take [`Overlay`]s), then [`CodeTables::lookup`], [`CodeTables::search`],
//! [`CodeTables::validate`], [`CodeTables::ptp_edit`], [`CodeTables::check_claim_lines`],
//! [`CodeTables::excludes1_conflict`], [`CodeTables::modifier`], [`CodeTables::reference`] and
//! [`CodeTables::summary`]. Layout and sources: docs/codesets.md and codesets/README.md.

pub mod adjustment_codes;
mod claims;
mod code;
mod date;
mod date_classes;
mod detail;
mod docs;
mod embedded;
mod excludes;
mod find;
mod hcpcs;
mod hit;
mod icd;
mod info;
mod mue;
mod ncci;
mod overlay;
mod rank;
mod refs;
mod search;
mod summary;
mod tables;
mod terms;
mod text;
mod typo;
mod versions;

#[cfg(test)]
mod excludes_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod tests;

pub use claims::{ClaimLine, ModifierIndicator, PtpConflict, PtpEdit, PtpError};
pub use code::{normalize, Code, CodeError, CodeSystem, CptCategory};
pub use date::Validity;
pub use date_classes::DateClass;
pub use detail::{CodeDetail, NoteDetail, RelatedDetail};
pub use embedded::LoadError;
pub use excludes::{Excludes1Conflict, PatternNote};
pub use find::{Validation, Verdict};
pub use hit::{MatchReason, SearchHit};
pub use icd::edits::{AgeRange, Edits, PatientCheck, Sex};
pub use icd::notes::NoteKind;
pub use icd::pattern::Shape;
pub use icd::table::NodeKind;
pub use info::{CodeInfo, Note, Related, Status, TitleSource};
pub use mue::{parse_mue_file, MueRow, MueTable};
pub use overlay::{
    parse_code_tab_file, parse_icd10cm_order_file, Overlay, OverlayError, OverlayRow,
};
pub use refs::{ModifierInfo, RefEntry, RefTable};
pub use summary::{Summary, TableSummary};
pub use tables::CodeTables;
pub use terms::TermKind;

use chrono::NaiveDate;

impl CodeTables {
    /// Modifier facts on a date: I/OCE validity, NCCI bypass flag, and our short meaning.
    pub fn modifier(&self, code: &str, date: NaiveDate) -> Option<ModifierInfo> {
        self.refs.modifier(code, date::ymd(date))
    }

    /// One entry of a small table (place of service, HL7 0487/0490, frequency, relationship,
    /// filing indicator, modifier meanings); code matched trimmed and case-insensitively.
    pub fn reference(&self, table: RefTable, code: &str) -> Option<&RefEntry> {
        self.refs.get(table, code)
    }

    /// All entries of a small table, sorted by code.
    pub fn reference_entries(&self, table: RefTable) -> &[RefEntry] {
        self.refs.entries(table)
    }
}
