//! What a lookup returns: a borrowed view of one code on one date of service (no allocation).

use serde::Serialize;

use crate::codesets::code::{Code, CodeSystem, CptCategory};
use crate::codesets::date::{Validity, Ymd};
use crate::codesets::icd::edits::{Edits, PatientCheck, Sex};
use crate::codesets::icd::notes::NoteKind;
use crate::codesets::icd::table::{NodeKind, NONE};
use crate::codesets::tables::CodeTables;

/// Whether a code may be used on the date of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In force on the date.
    Valid,
    /// Known, but only from a later date.
    NotYetValid,
    /// Known, but ended before the date (deleted or replaced).
    Ended,
    /// A complete imported release covers the date and does not contain the code.
    NotInRelease,
    /// The bundled tables do not reach back to the date.
    OutsideBundledDates,
    /// Cannot be confirmed: the CPT table is not loaded and the code is in no NCCI edit then.
    Unverified,
}

/// Where the title came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleSource {
    /// CDC tabular list (long title).
    Tabular,
    /// CMS I/OCE short title (HCPCS, or an ICD-10-CM code no longer in the tabular).
    OceShort,
    /// An imported overlay file.
    Overlay,
    /// No title is bundled for this code.
    None,
}

/// One code on one date: title, status, hierarchy, notes and edits. Borrowed from the tables.
#[derive(Clone, Copy)]
pub struct CodeInfo<'a> {
    /// The code system.
    pub system: CodeSystem,
    /// The normalised code (no dot; `code.display(system)` adds it).
    pub code: Code,
    /// Title, when one is bundled or imported.
    pub title: Option<&'a str>,
    /// Where the title came from.
    pub title_source: TitleSource,
    /// A plain statement for the user when something is missing (e.g. no FY2027 title bundled).
    pub note: Option<&'static str>,
    /// Whether the code may be used on the date.
    pub status: Status,
    /// True if the code may be billed on the date (a valid leaf; headers are not billable).
    pub billable: bool,
    /// The period covering the date (or the nearest one when not valid).
    pub validity: Option<Validity>,
    /// Age/sex edits and flags in force on the date.
    pub edits: Edits,
    /// Position in the ICD-10-CM tree (ICD-10-CM only).
    pub kind: Option<NodeKind>,
    /// CPT category by shape (CPT only).
    pub cpt_category: Option<CptCategory>,
    /// The code-set version the answer comes from, e.g. "ICD-10-CM FY2027 (CMS MCE)".
    pub version: &'a str,
    /// The MCE release whose edits apply on the date (e.g. `CMS MCE v37 (FY2020)`); empty for
    /// other systems and for dates outside the MCE data.
    pub mce_release: &'a str,
    pub(crate) tables: &'a CodeTables,
    pub(crate) node: u32,
    pub(crate) date: Ymd,
}

/// A code related to another (parent or child), as seen on the same date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Related<'a> {
    /// The code.
    pub code: Code,
    /// Its title, if bundled.
    pub title: Option<&'a str>,
    /// True if billable on the date.
    pub billable: bool,
}

/// An instructional note that applies to a code, defined on it or inherited from an ancestor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Note<'a> {
    /// Kind of note.
    pub kind: NoteKind,
    /// The note's text.
    pub text: &'a str,
    /// The code, block or chapter the tabular defines it under.
    pub defined_at: Code,
    /// True if defined on an ancestor rather than on the code itself.
    pub inherited: bool,
}

impl<'a> CodeInfo<'a> {
    fn icd_node(&self) -> Option<u32> {
        (self.system == CodeSystem::Icd10cm && self.node != NONE).then_some(self.node)
    }

    /// The parent in the ICD-10-CM tree (category, block or chapter).
    pub fn parent(&self) -> Option<Related<'a>> {
        let icd = &self.tables.icd;
        let n = &icd.nodes[self.icd_node()? as usize];
        (n.parent != NONE).then(|| self.tables.related(n.parent, self.date))
    }

    /// Children in the ICD-10-CM tree that are in use on the date (for a header: what to bill instead).
    pub fn children(&self) -> impl Iterator<Item = Related<'a>> + 'a {
        let tables = self.tables;
        let date = self.date;
        let kids: &'a [u32] = match self.icd_node() {
            Some(i) => tables.icd.children_of(&tables.icd.nodes[i as usize]),
            None => &[],
        };
        kids.iter()
            .filter(move |&&c| {
                let n = &tables.icd.nodes[c as usize];
                n.span_from <= date && date <= n.span_to
            })
            .map(move |&c| tables.related(c, date))
    }

    /// All notes that apply: the code's own, then inherited ones from parent up to chapter.
    /// Seventh-character definitions are excluded here; see `seventh_characters`.
    pub fn notes(&self) -> impl Iterator<Item = Note<'a>> + 'a {
        let icd = &self.tables.icd;
        let start = self.icd_node();
        start
            .into_iter()
            .flat_map(move |s| icd.ancestors_or_self(s).map(move |a| (s, a)))
            .flat_map(move |(s, a)| {
                let n = &icd.nodes[a as usize];
                icd.notes_of(n)
                    .iter()
                    .filter(|r| r.kind != NoteKind::SeventhChar)
                    .map(move |r| Note {
                        kind: r.kind,
                        text: icd.note_text(r),
                        defined_at: n.code,
                        inherited: a != s,
                    })
            })
    }

    /// The 7th-character definitions that apply (the nearest ancestor defining them wins),
    /// as (character, meaning).
    pub fn seventh_characters(&self) -> impl Iterator<Item = (char, &'a str)> + 'a {
        let icd = &self.tables.icd;
        let owner = self.icd_node().and_then(|s| {
            icd.ancestors_or_self(s).find(|&a| {
                icd.notes_of(&icd.nodes[a as usize])
                    .iter()
                    .any(|r| r.kind == NoteKind::SeventhChar)
            })
        });
        owner.into_iter().flat_map(move |a| {
            icd.notes_of(&icd.nodes[a as usize])
                .iter()
                .filter(|r| r.kind == NoteKind::SeventhChar)
                .filter_map(|r| {
                    let (c, meaning) = icd.note_text(r).split_once('=')?;
                    Some((c.chars().next()?, meaning))
                })
        })
    }

    /// Check the patient's age (whole years on the date of service) and sex against the edits.
    pub fn check_patient(&self, age_years: u8, sex: Sex) -> PatientCheck {
        self.edits.check_patient(age_years, sex)
    }
}

impl std::fmt::Debug for CodeInfo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeInfo")
            .field("system", &self.system)
            .field("code", &self.code)
            .field("title", &self.title)
            .field("status", &self.status)
            .field("billable", &self.billable)
            .field("validity", &self.validity)
            .field("note", &self.note)
            .finish()
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
