//! An owned, serialisable form of a lookup, for JSON answers (`GET /v1/codesets/{system}/{code}`).

use serde::Serialize;

use crate::codesets::code::{CodeSystem, CptCategory};
use crate::codesets::date::Validity;
use crate::codesets::icd::edits::Edits;
use crate::codesets::icd::notes::NoteKind;
use crate::codesets::icd::table::NodeKind;
use crate::codesets::info::{CodeInfo, Status, TitleSource};

/// A related code in a `CodeDetail` (dotted for ICD-10-CM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedDetail {
    /// The code as displayed.
    pub code: String,
    /// Its title, if bundled.
    pub title: Option<String>,
    /// True if billable on the date.
    pub billable: bool,
}

/// A note in a `CodeDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteDetail {
    /// Kind of note.
    pub kind: NoteKind,
    /// Its text.
    pub text: String,
    /// Where it is defined (dotted code, block or chapter range).
    pub defined_at: String,
    /// True if inherited from an ancestor.
    pub inherited: bool,
}

/// Everything a lookup knows about a code on a date, owned and ready for serde.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeDetail {
    /// `icd10cm`, `hcpcs` or `cpt`.
    pub system: CodeSystem,
    /// The code as displayed (with the ICD-10-CM dot).
    pub code: String,
    /// Title, if any.
    pub title: Option<String>,
    /// Where the title came from.
    pub title_source: TitleSource,
    /// A plain note when something is missing.
    pub note: Option<String>,
    /// Whether the code may be used on the date.
    pub status: Status,
    /// True if billable on the date.
    pub billable: bool,
    /// The period covering the date (or the nearest).
    pub validity: Option<Validity>,
    /// Edits in force on the date.
    pub edits: Edits,
    /// ICD-10-CM tree position.
    pub kind: Option<NodeKind>,
    /// CPT category by shape.
    pub cpt_category: Option<CptCategory>,
    /// Code-set version used.
    pub version: String,
    /// Parent in the tree.
    pub parent: Option<RelatedDetail>,
    /// Children in use on the date.
    pub children: Vec<RelatedDetail>,
    /// Own and inherited notes.
    pub notes: Vec<NoteDetail>,
    /// 7th-character definitions that apply, as (character, meaning).
    pub seventh_characters: Vec<(char, String)>,
}

impl CodeInfo<'_> {
    /// Copy everything into an owned `CodeDetail` (allocates; for API answers, not hot loops).
    pub fn detail(&self) -> CodeDetail {
        let sys = self.system;
        let rel = |r: crate::codesets::info::Related<'_>| RelatedDetail {
            code: r.code.display(sys),
            title: r.title.map(str::to_string),
            billable: r.billable,
        };
        CodeDetail {
            system: sys,
            code: self.code.display(sys),
            title: self.title.map(str::to_string),
            title_source: self.title_source,
            note: self.note.map(str::to_string),
            status: self.status,
            billable: self.billable,
            validity: self.validity,
            edits: self.edits,
            kind: self.kind,
            cpt_category: self.cpt_category,
            version: self.version.to_string(),
            parent: self.parent().map(rel),
            children: self.children().map(rel).collect(),
            notes: self
                .notes()
                .map(|n| NoteDetail {
                    kind: n.kind,
                    text: n.text.to_string(),
                    defined_at: n.defined_at.display(sys),
                    inherited: n.inherited,
                })
                .collect(),
            seventh_characters: self
                .seventh_characters()
                .map(|(c, m)| (c, m.to_string()))
                .collect(),
        }
    }
}
