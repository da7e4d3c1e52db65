//! The table files compiled into the binary, and the small readers shared by the loaders.

use std::fmt;

/// Bytes of every bundled file, embedded at compile time so the binary needs no data files.
pub(crate) mod files {
    pub const ICD_TABULAR: &[u8] = include_bytes!("../../codesets/icd10cm/tabular.tsv.zst");
    pub const ICD_NOTES: &[u8] = include_bytes!("../../codesets/icd10cm/notes.tsv.zst");
    pub const ICD_VALIDITY: &[u8] = include_bytes!("../../codesets/icd10cm/validity.tsv.zst");
    pub const ICD_MCE_AGES: &str = include_str!("../../codesets/icd10cm/mce_age_groups.tsv");
    pub const ICD_OLD_TITLES: &[u8] = include_bytes!("../../codesets/icd10cm/old_titles.tsv.zst");
    pub const HCPCS: &[u8] = include_bytes!("../../codesets/hcpcs/hcpcs.tsv.zst");
    pub const NCCI_PTP: &[u8] = include_bytes!("../../codesets/ncci/ptp_outpatient.bin.zst");
    pub const OCE_VERSIONS: &str = include_str!("../../codesets/oce/versions.tsv");
    pub const OCE_MODIFIERS: &str = include_str!("../../codesets/oce/modifiers.tsv");
    pub const MODIFIER_MEANINGS: &str = include_str!("../../codesets/tables/modifier_meanings.tsv");
    pub const PLACE_OF_SERVICE: &str = include_str!("../../codesets/tables/place_of_service.tsv");
    pub const SPECIMEN_TYPE: &str =
        include_str!("../../codesets/tables/hl7_0487_specimen_type.tsv");
    pub const SPECIMEN_REJECT: &str =
        include_str!("../../codesets/tables/hl7_0490_specimen_reject_reason.tsv");
    pub const CLAIM_FREQUENCY: &str = include_str!("../../codesets/tables/claim_frequency.tsv");
    pub const RELATIONSHIP: &str = include_str!("../../codesets/tables/relationship.tsv");
    pub const FILING_INDICATOR: &str =
        include_str!("../../codesets/tables/claim_filing_indicator.tsv");
}

/// A bundled table could not be read: which file, which line, what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The table file, e.g. `icd10cm/tabular.tsv`.
    pub table: &'static str,
    /// 1-based line (or record) number; 0 when the whole file is at fault.
    pub line: usize,
    /// What was wrong.
    pub problem: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "code table {} line {}: {}",
            self.table, self.line, self.problem
        )
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    pub(crate) fn new(table: &'static str, line: usize, problem: impl Into<String>) -> LoadError {
        LoadError {
            table,
            line,
            problem: problem.into(),
        }
    }
}

/// Decompress a zstd file into text.
pub(crate) fn unzstd(table: &'static str, bytes: &[u8]) -> Result<String, LoadError> {
    let raw = zstd::stream::decode_all(bytes)
        .map_err(|e| LoadError::new(table, 0, format!("zstd: {e}")))?;
    String::from_utf8(raw).map_err(|e| LoadError::new(table, 0, format!("not UTF-8: {e}")))
}

/// Decompress a zstd file into bytes.
pub(crate) fn unzstd_bytes(table: &'static str, bytes: &[u8]) -> Result<Vec<u8>, LoadError> {
    zstd::stream::decode_all(bytes).map_err(|e| LoadError::new(table, 0, format!("zstd: {e}")))
}

/// Data lines of a TSV file (comment lines starting with `#` skipped), with 1-based line numbers
/// and the byte offset of each line inside `text` (so loaders can keep slices, not copies).
pub(crate) fn rows(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let base = text.as_ptr() as usize;
    text.split('\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(move |(i, l)| (i + 1, l.as_ptr() as usize - base, l))
}

/// Split a TSV line into exactly `N` fields.
pub(crate) fn fields<'a, const N: usize>(
    table: &'static str,
    line_no: usize,
    line: &'a str,
) -> Result<[&'a str; N], LoadError> {
    let mut out = [""; N];
    let mut it = line.split('\t');
    for slot in out.iter_mut() {
        *slot = it
            .next()
            .ok_or_else(|| LoadError::new(table, line_no, format!("expected {N} fields")))?;
    }
    if it.next().is_some() {
        return Err(LoadError::new(
            table,
            line_no,
            format!("more than {N} fields"),
        ));
    }
    Ok(out)
}
