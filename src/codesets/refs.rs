//! Small reference tables: modifiers, place of service, HL7 0487/0490, claim frequency,
//! relationship and claim filing indicator codes.

use serde::Serialize;

use crate::codesets::date::{parse_field, Validity, Ymd, OPEN};
use crate::codesets::embedded::{fields, files, rows, LoadError};

/// The small code lists bundled beside the big code sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefTable {
    /// CMS place of service codes (2 digits).
    PlaceOfService,
    /// CPT/HCPCS modifiers (2 characters); see also `CodeTables::modifier`.
    Modifier,
    /// HL7 v2 table 0487 specimen type.
    SpecimenType,
    /// HL7 v2 table 0490 specimen reject reason.
    SpecimenRejectReason,
    /// Claim frequency type code (1 original, 7 replacement, 8 void).
    ClaimFrequency,
    /// Individual relationship code (18 self, 01 spouse, 19 child, G8 other, ...).
    Relationship,
    /// Claim filing indicator code (CI, MB, MC, BL, HM, ...).
    ClaimFilingIndicator,
}

impl RefTable {
    /// Every small table, in a stable order.
    pub const ALL: [RefTable; 7] = [
        RefTable::PlaceOfService,
        RefTable::Modifier,
        RefTable::SpecimenType,
        RefTable::SpecimenRejectReason,
        RefTable::ClaimFrequency,
        RefTable::Relationship,
        RefTable::ClaimFilingIndicator,
    ];

    /// API name, e.g. `place_of_service`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefTable::PlaceOfService => "place_of_service",
            RefTable::Modifier => "modifier",
            RefTable::SpecimenType => "specimen_type",
            RefTable::SpecimenRejectReason => "specimen_reject_reason",
            RefTable::ClaimFrequency => "claim_frequency",
            RefTable::Relationship => "relationship",
            RefTable::ClaimFilingIndicator => "claim_filing_indicator",
        }
    }

    fn file(self) -> (&'static str, &'static str) {
        match self {
            RefTable::PlaceOfService => ("tables/place_of_service.tsv", files::PLACE_OF_SERVICE),
            RefTable::Modifier => ("tables/modifier_meanings.tsv", files::MODIFIER_MEANINGS),
            RefTable::SpecimenType => ("tables/hl7_0487_specimen_type.tsv", files::SPECIMEN_TYPE),
            RefTable::SpecimenRejectReason => (
                "tables/hl7_0490_specimen_reject_reason.tsv",
                files::SPECIMEN_REJECT,
            ),
            RefTable::ClaimFrequency => ("tables/claim_frequency.tsv", files::CLAIM_FREQUENCY),
            RefTable::Relationship => ("tables/relationship.tsv", files::RELATIONSHIP),
            RefTable::ClaimFilingIndicator => {
                ("tables/claim_filing_indicator.tsv", files::FILING_INDICATOR)
            }
        }
    }

    /// The `# source:` line of the table's file.
    pub fn source(self) -> &'static str {
        let (_, text) = self.file();
        text.lines()
            .find_map(|l| l.strip_prefix("# source: "))
            .unwrap_or("")
    }
}

/// One entry of a small table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RefEntry {
    /// The code, as billed.
    pub code: &'static str,
    /// Its name (for modifiers: a short meaning in our own words).
    pub name: &'static str,
}

/// What the tables know about a modifier on a date of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ModifierInfo {
    /// The 2-character modifier.
    pub code: &'static str,
    /// A short meaning in our own words, where we wrote one (commonly billed modifiers).
    pub meaning: Option<&'static str>,
    /// The I/OCE period covering the date; `None` if the I/OCE list does not have it then.
    pub validity: Option<Validity>,
    /// True if the I/OCE lists the modifier as able to bypass an NCCI PTP edit (indicator 1).
    pub ncci_bypass: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct OceModifier {
    pub code: &'static str,
    pub from: Ymd,
    pub to: Ymd,
    pub ncci: bool,
}

/// All small tables, each sorted by code.
pub(crate) struct RefTables {
    tables: Vec<(RefTable, Vec<RefEntry>)>,
    /// I/OCE modifier rows, sorted by code then date.
    pub oce_modifiers: Vec<OceModifier>,
}

impl RefTables {
    pub fn load() -> Result<RefTables, LoadError> {
        let mut tables = Vec::new();
        for t in RefTable::ALL {
            let (name, text) = t.file();
            let mut entries = Vec::new();
            for (no, _, line) in rows(text) {
                let [code, label] = fields::<2>(name, no, line)?;
                entries.push(RefEntry { code, name: label });
            }
            entries.sort_by_key(|e| e.code);
            if entries.windows(2).any(|w| w[0].code == w[1].code) {
                return Err(LoadError::new(name, 0, "duplicate code"));
            }
            tables.push((t, entries));
        }
        const OCE: &str = "oce/modifiers.tsv";
        let mut oce_modifiers = Vec::new();
        for (no, _, line) in rows(files::OCE_MODIFIERS) {
            let [code, from, to, ncci] = fields::<4>(OCE, no, line)?;
            let bad = |w: &str| LoadError::new(OCE, no, format!("bad {w}"));
            oce_modifiers.push(OceModifier {
                code,
                from: parse_field(from)
                    .filter(|&v| v != OPEN)
                    .ok_or_else(|| bad("from"))?,
                to: parse_field(to).ok_or_else(|| bad("to"))?,
                ncci: ncci == "1",
            });
        }
        oce_modifiers.sort_by_key(|m| (m.code, m.from));
        Ok(RefTables {
            tables,
            oce_modifiers,
        })
    }

    /// All entries of a table, sorted by code.
    pub fn entries(&self, t: RefTable) -> &[RefEntry] {
        self.tables
            .iter()
            .find(|(k, _)| *k == t)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// One entry by code (exact, case-insensitive, trimmed).
    pub fn get(&self, t: RefTable, code: &str) -> Option<&RefEntry> {
        let entries = self.entries(t);
        let code = code.trim();
        entries
            .binary_search_by(|e| cmp_ignore_case(e.code, code))
            .ok()
            .map(|i| &entries[i])
    }

    /// Modifier facts for a date: I/OCE validity and NCCI flag, plus our meaning.
    pub fn modifier(&self, code: &str, date: Ymd) -> Option<ModifierInfo> {
        let code = code.trim();
        let meaning = self.get(RefTable::Modifier, code);
        let start = self
            .oce_modifiers
            .partition_point(|m| cmp_ignore_case(m.code, code).is_lt());
        let rows = self.oce_modifiers[start..]
            .iter()
            .take_while(|m| m.code.eq_ignore_ascii_case(code));
        let mut known: Option<&'static str> = meaning.map(|m| m.code);
        let mut hit = None;
        for m in rows {
            known = Some(m.code);
            if m.from <= date && date <= m.to {
                hit = Some(m);
            }
        }
        let code = known?;
        Some(ModifierInfo {
            code,
            meaning: meaning.map(|m| m.name),
            validity: hit.map(|m| Validity::from_ymd(m.from, m.to)),
            ncci_bypass: hit.is_some_and(|m| m.ncci),
        })
    }

    /// Modifiers that bypass NCCI PTP edits (indicator 1) on a date, per the I/OCE.
    pub fn ncci_bypass_modifiers(&self, date: Ymd) -> Vec<&'static str> {
        self.oce_modifiers
            .iter()
            .filter(|m| m.ncci && m.from <= date && date <= m.to)
            .map(|m| m.code)
            .collect()
    }
}

fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_uppercase())
        .cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
}
