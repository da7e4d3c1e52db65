//! `CodeTables`: every bundled table loaded once, plus imported overlays; code lookups by date.

use std::sync::OnceLock;

use chrono::NaiveDate;

use crate::codesets::code::{cpt_category, normalize, Code, CodeError, CodeSystem};
use crate::codesets::date::{ymd, Validity, Ymd, OPEN};
use crate::codesets::date_classes::{DateClass, DateClasses};
use crate::codesets::docs::DocSet;
use crate::codesets::embedded::LoadError;
use crate::codesets::hcpcs::HcpcsTable;
use crate::codesets::icd::edits::Edits;
use crate::codesets::icd::mce::MceReleases;
use crate::codesets::icd::table::{IcdTable, Node as IcdNode, NodeKind, TitleBuf, NONE};
use crate::codesets::info::{CodeInfo, Related, Status, TitleSource};
use crate::codesets::ncci::NcciTable;
use crate::codesets::overlay::Overlay;
use crate::codesets::refs::RefTables;
use crate::codesets::terms::Terms;
use crate::codesets::versions::OceVersions;

/// First day of FY2027: from here on ICD-10-CM validity comes from the MCE FY2027 code list.
pub(crate) const FY2027: Ymd = 20261001;

pub(crate) const ICD_TABULAR_VERSION: &str = "ICD-10-CM FY2026 (April 1 2026 update, CDC tabular)";
pub(crate) const ICD_FY2027_VERSION: &str =
    "ICD-10-CM FY2027 (CMS MCE code list; titles from April 2026)";
pub(crate) const ICD_OLDER_VERSION: &str = "ICD-10-CM (CMS MCE code list FY2016-FY2026)";
const NOTE_NO_TITLE_FY2027: &str =
    "New in FY2027 (valid from 2026-10-01): its title is not in the bundled tables; CMS FY2027 titles can be imported.";
const NOTE_NO_TITLE: &str =
    "No title is bundled for this code (known only from the CMS MCE code list).";
const NOTE_CDT: &str = "CDT (dental) code: the ADA descriptor is not bundled.";
const NOTE_CPT: &str =
    "CPT table not loaded: checked by format and by presence in the NCCI edits only (import a licensed CPT file for titles).";
const NOTE_CPT_UNKNOWN: &str =
    "CPT table not loaded and the code is in no NCCI edit on this date: it cannot be confirmed (import a licensed CPT file).";
const NOTE_NOT_IN_RELEASE: &str =
    "An imported release covers this date and does not contain the code.";

/// Every code table in memory: ICD-10-CM, HCPCS, NCCI PTP, the small tables, and overlays.
pub struct CodeTables {
    pub(crate) icd: IcdTable,
    /// MCE age-group bounds and release labels by date.
    pub(crate) mce: MceReleases,
    pub(crate) hcpcs: HcpcsTable,
    pub(crate) ncci: NcciTable,
    pub(crate) versions: OceVersions,
    pub(crate) refs: RefTables,
    pub(crate) icd_docs: DocSet,
    pub(crate) hcpcs_docs: DocSet,
    pub(crate) terms: Terms,
    pub(crate) hcpcs_codes: Vec<Code>,
    pub(crate) overlays: Vec<Overlay>,
    /// Per I/OCE version index, the NCCI bypass modifiers in force then.
    pub(crate) bypass: Vec<Vec<&'static str>>,
    /// Imported MUE tables, newest first.
    pub(crate) mue: Vec<crate::codesets::mue::MueTable>,
    /// Every date the tables' answers can change on (overlays' included).
    pub(crate) date_classes: DateClasses,
}

static EMBEDDED: OnceLock<Result<CodeTables, LoadError>> = OnceLock::new();

impl CodeTables {
    /// Decompress and index every table embedded in the binary (no files are read).
    pub fn load_embedded() -> Result<CodeTables, LoadError> {
        let icd = IcdTable::load()?;
        let mce = MceReleases::load(icd.periods.iter().map(|p| p.from))?;
        let hcpcs = HcpcsTable::load()?;
        let ncci = NcciTable::load()?;
        let versions = OceVersions::load()?;
        let refs = RefTables::load()?;
        let icd_docs = DocSet::icd(&icd)?;
        let hcpcs_codes: Vec<Code> = hcpcs.latest_rows().map(|(c, _)| c).collect();
        let hcpcs_docs = DocSet::hcpcs(&hcpcs, &hcpcs_codes);
        let terms = Terms::load()?;
        // Every dated thing a lookup compares a date of service with, and the fixed release
        // dates `icd_info` compares with (see `date_classes`).
        let date_classes = DateClasses::from_ranges(
            icd.periods
                .iter()
                .map(|p| (p.from, p.to))
                .chain(icd.nodes.iter().map(|n| (n.span_from, n.span_to)))
                .chain(hcpcs.rows.iter().map(|r| (r.from, r.to)))
                .chain(versions.list.iter().map(|v| (v.from, v.to)))
                .chain([20151001, 20260401, FY2027].map(|from| (from, OPEN))),
        );
        let max_index = versions.list.iter().map(|v| v.index).max().unwrap_or(0) as usize;
        let mut bypass = vec![Vec::new(); max_index + 1];
        for v in &versions.list {
            bypass[v.index as usize] = refs.ncci_bypass_modifiers(v.from);
        }
        Ok(CodeTables {
            icd,
            mce,
            hcpcs,
            ncci,
            versions,
            refs,
            icd_docs,
            hcpcs_docs,
            terms,
            hcpcs_codes,
            overlays: Vec::new(),
            bypass,
            mue: Vec::new(),
            date_classes,
        })
    }

    /// The process-wide tables, loaded on first use and then shared (no overlays).
    pub fn embedded() -> Result<&'static CodeTables, &'static LoadError> {
        EMBEDDED.get_or_init(CodeTables::load_embedded).as_ref()
    }

    /// Add an imported table; on the dates it covers it takes precedence over the bundled data
    /// (and over older overlays of the same system).
    pub fn add_overlay(&mut self, overlay: Overlay) {
        self.date_classes.extend([(overlay.from, overlay.to)]);
        self.overlays.push(overlay);
        self.overlays.sort_by_key(|o| std::cmp::Reverse(o.from));
    }

    /// Which dates of service get the same answers from these tables as `date` does: a search
    /// on any date of the class finds the same codes, titles and billable flags.
    pub fn date_class(&self, date: NaiveDate) -> DateClass {
        self.date_classes.class(ymd(date))
    }

    /// The overlays in effect, newest first.
    pub fn overlays(&self) -> &[Overlay] {
        &self.overlays
    }

    /// Look up a code for a date of service. `Ok(None)`: well formed but in no table.
    /// `Err`: the code string itself is malformed. Allocates nothing.
    pub fn lookup(
        &self,
        system: CodeSystem,
        code: &str,
        date: NaiveDate,
    ) -> Result<Option<CodeInfo<'_>>, CodeError> {
        let code = normalize(system, code)?;
        Ok(self.lookup_code(system, code, ymd(date)))
    }

    pub(crate) fn lookup_code(
        &self,
        system: CodeSystem,
        code: Code,
        date: Ymd,
    ) -> Option<CodeInfo<'_>> {
        let base = match system {
            CodeSystem::Icd10cm => self.icd_info(code, date),
            CodeSystem::Hcpcs => self.hcpcs_info(code, date),
            CodeSystem::Cpt => Some(self.cpt_info(code, date)),
        };
        if self.overlays.is_empty() {
            return base;
        }
        self.apply_overlay(system, code, date, base)
    }

    fn blank(&self, system: CodeSystem, code: Code, date: Ymd) -> CodeInfo<'_> {
        CodeInfo {
            system,
            code,
            title: None,
            title_source: TitleSource::None,
            note: None,
            status: Status::Valid,
            billable: false,
            validity: None,
            edits: Edits::default(),
            kind: None,
            cpt_category: None,
            version: "",
            mce_release: "",
            tables: self,
            node: NONE,
            date,
        }
    }

    fn icd_info(&self, code: Code, date: Ymd) -> Option<CodeInfo<'_>> {
        let idx = self.icd.find(&code)?;
        let n = &self.icd.nodes[idx as usize];
        let mut info = self.blank(CodeSystem::Icd10cm, code, date);
        info.node = idx;
        info.kind = Some(n.kind);
        info.title = self.icd.title(n);
        info.title_source = match n.title_buf {
            TitleBuf::Tabular => TitleSource::Tabular,
            TitleBuf::OldTitles => TitleSource::OceShort,
            TitleBuf::None => TitleSource::None,
        };
        info.version = if date >= FY2027 {
            ICD_FY2027_VERSION
        } else if date >= 20260401 {
            ICD_TABULAR_VERSION
        } else {
            ICD_OLDER_VERSION
        };
        let periods = self.icd.periods_of(n);
        if let Some(p) = periods.iter().find(|p| p.from <= date && date <= p.to) {
            info.billable = self.no_child_on(n, date);
            info.validity = Some(Validity::from_ymd(p.from, p.to));
            info.edits = Edits::from_bits(p.edits, self.mce.bounds_on(date));
            info.mce_release = self.mce.label_on(date);
        } else if n.span_from == OPEN {
            // A heading block with no codes of its own (e.g. C00-C96): valid as a heading.
            info.validity = None;
        } else {
            info.validity = Some(Validity::from_ymd(n.span_from, n.span_to));
            info.status = if date < 20151001 {
                Status::OutsideBundledDates
            } else if date < n.span_from {
                Status::NotYetValid
            } else if date > n.span_to {
                Status::Ended
            } else {
                Status::Valid
            };
        }
        if info.title.is_none() {
            info.note = Some(if n.span_from >= FY2027 {
                NOTE_NO_TITLE_FY2027
            } else {
                NOTE_NO_TITLE
            });
        }
        Some(info)
    }

    /// The title and "billable on the date" of an ICD-10-CM node as `icd_info` gives them
    /// (billable: a period covers the date and no child's span does), without the edits and
    /// MCE release it also looks up: search answers need only these two, for every hit.
    pub(crate) fn icd_title_billable(&self, idx: u32, date: Ymd) -> (Option<&str>, bool) {
        let n = &self.icd.nodes[idx as usize];
        let billable = self
            .icd
            .periods_of(n)
            .iter()
            .any(|p| p.from <= date && date <= p.to)
            && self.no_child_on(n, date);
        (self.icd.title(n), billable)
    }

    /// True when no child of `n` is in use on `date`: a node with a child in use is a
    /// heading, not billable.
    fn no_child_on(&self, n: &IcdNode, date: Ymd) -> bool {
        self.icd.children_of(n).iter().all(|&c| {
            let cn = &self.icd.nodes[c as usize];
            !(cn.span_from <= date && date <= cn.span_to)
        })
    }

    fn hcpcs_info(&self, code: Code, date: Ymd) -> Option<CodeInfo<'_>> {
        let rows = self.hcpcs.rows_of(&code);
        let (first, last) = (rows.first()?, rows.last()?);
        let mut info = self.blank(CodeSystem::Hcpcs, code, date);
        let row = rows.iter().find(|r| r.from <= date && date <= r.to);
        let shown = row.unwrap_or(if date < first.from { first } else { last });
        info.title = self.hcpcs.title(shown);
        info.title_source = if info.title.is_some() {
            TitleSource::OceShort
        } else {
            TitleSource::None
        };
        if code.as_str().starts_with('D') {
            info.note = Some(NOTE_CDT);
        }
        info.version = self.versions.on(date).map_or("", |v| v.id);
        info.validity = Some(Validity::from_ymd(shown.from, shown.to));
        match row {
            Some(r) => {
                info.billable = true;
                if (r.lo_age, r.hi_age) != (0, 124) {
                    info.edits.hcpcs_age = Some((r.lo_age, r.hi_age));
                }
            }
            None => {
                info.status = if date < self.versions.first().from {
                    Status::OutsideBundledDates
                } else if date < first.from {
                    Status::NotYetValid
                } else {
                    Status::Ended
                };
            }
        }
        Some(info)
    }

    fn cpt_info(&self, code: Code, date: Ymd) -> CodeInfo<'_> {
        let mut info = self.blank(CodeSystem::Cpt, code, date);
        info.cpt_category = cpt_category(code.as_str().as_bytes());
        let version = self.versions.on(date);
        info.version = version.map_or("", |v| v.id);
        let in_ncci = self
            .ncci
            .id(code.key())
            .map(|id| self.ncci.code_span[id as usize]);
        match (version, in_ncci) {
            (Some(v), Some((lo, hi))) if lo <= v.index && v.index <= hi => {
                info.billable = true;
                info.note = Some(NOTE_CPT);
            }
            (None, _) => {
                info.status = Status::OutsideBundledDates;
                info.note = Some(NOTE_CPT_UNKNOWN);
            }
            _ => {
                info.status = Status::Unverified;
                info.note = Some(NOTE_CPT_UNKNOWN);
            }
        }
        info
    }

    fn apply_overlay<'s>(
        &'s self,
        system: CodeSystem,
        code: Code,
        date: Ymd,
        base: Option<CodeInfo<'s>>,
    ) -> Option<CodeInfo<'s>> {
        let Some(o) = self
            .overlays
            .iter()
            .find(|o| o.system == system && o.covers(date))
        else {
            return base;
        };
        match o.find(&code) {
            Some(i) => {
                let mut info = base.unwrap_or_else(|| self.blank(system, code, date));
                info.title = Some(o.titles[i].as_str());
                info.title_source = TitleSource::Overlay;
                info.billable = o.billable[i];
                info.status = Status::Valid;
                info.validity = Some(o.validity);
                info.version = o.label.as_str();
                info.note = None;
                Some(info)
            }
            None if o.complete => base.map(|mut info| {
                info.status = Status::NotInRelease;
                info.billable = false;
                info.version = o.label.as_str();
                info.note = Some(NOTE_NOT_IN_RELEASE);
                info
            }),
            None => base,
        }
    }

    /// A tree node seen from a relative, on a date.
    pub(crate) fn related(&self, idx: u32, date: Ymd) -> Related<'_> {
        let n = &self.icd.nodes[idx as usize];
        let billable = self
            .icd_info(n.code, date)
            .is_some_and(|i| i.billable && i.status == Status::Valid);
        Related {
            code: n.code,
            title: self.icd.title(n),
            billable,
        }
    }

    /// True if an ICD-10-CM node (or something below it) is in use on `date`.
    pub(crate) fn icd_in_use(&self, idx: u32, date: Ymd) -> bool {
        let n = &self.icd.nodes[idx as usize];
        (n.span_from <= date && date <= n.span_to)
            || (n.span_from == OPEN && n.kind == NodeKind::Block)
    }
}
