//! Excludes1 between diagnoses: notes own or inherited, code ranges and `.-` prefixes, and
//! ranges narrowed by a character pattern, expanded to the codes in force on the date of service.

use chrono::NaiveDate;
use serde::Serialize;

use crate::codesets::code::{normalize, Code, CodeError, CodeSystem};
use crate::codesets::date::{ymd, Ymd};
use crate::codesets::icd::notes::{CodeRef, NoteKind};
use crate::codesets::icd::pattern::Shape;
use crate::codesets::tables::CodeTables;

/// Two diagnoses that an Excludes1 note says are never coded together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Excludes1Conflict<'a> {
    /// The diagnosis whose (own or inherited) note excludes the other.
    pub code: Code,
    /// The excluded diagnosis.
    pub excluded: Code,
    /// Where the note is defined (the code itself or an ancestor).
    pub defined_at: Code,
    /// The note's text.
    pub note: &'a str,
    /// The tabular release the note comes from (notes are bundled from one release only).
    pub version: &'static str,
}

impl CodeTables {
    /// The Excludes1 note (own or inherited, either direction) that forbids coding `a` with `b`.
    /// Excludes2 notes never conflict. Codes unknown to the tables give `Ok(None)`. An item that
    /// names codes by a pattern ("E08-E13 with .44") denotes the codes of the range that match it
    /// and are in force on `date`.
    pub fn excludes1_conflict(
        &self,
        a: &str,
        b: &str,
        date: NaiveDate,
    ) -> Result<Option<Excludes1Conflict<'_>>, CodeError> {
        let (ca, cb) = (
            normalize(CodeSystem::Icd10cm, a)?,
            normalize(CodeSystem::Icd10cm, b)?,
        );
        let day = ymd(date);
        Ok(self
            .excludes1_one_way(ca, cb, day)
            .or_else(|| self.excludes1_one_way(cb, ca, day)))
    }

    fn excludes1_one_way(
        &self,
        code: Code,
        other: Code,
        day: Ymd,
    ) -> Option<Excludes1Conflict<'_>> {
        let icd = &self.icd;
        let start = icd.find(&code).or_else(|| {
            // A code missing from the tree (e.g. new in FY2027) inherits from its longest known prefix.
            (3..code.len())
                .rev()
                .find_map(|n| icd.find(&code.truncate(n)))
        })?;
        for a in icd.ancestors_or_self(start) {
            let n = &icd.nodes[a as usize];
            for r in icd
                .notes_of(n)
                .iter()
                .filter(|r| r.kind == NoteKind::Excludes1)
            {
                if icd.refs_of(r).iter().any(|cr| {
                    cr.covers(&other) && (cr.shape.is_none() || self.in_force(other, day))
                }) {
                    return Some(Excludes1Conflict {
                        code,
                        excluded: other,
                        defined_at: n.code,
                        note: icd.note_text(r),
                        version: crate::codesets::tables::ICD_TABULAR_VERSION,
                    });
                }
            }
        }
        None
    }

    /// True if the MCE has the code in force on the day.
    fn in_force(&self, code: Code, day: Ymd) -> bool {
        self.icd.find(&code).is_some_and(|i| {
            let n = &self.icd.nodes[i as usize];
            self.icd
                .periods_of(n)
                .iter()
                .any(|p| p.from <= day && day <= p.to)
        })
    }

    /// The exact codes one Excludes1 item denotes on `date`: the codes of its range that match
    /// its pattern and are in force then, in code order.
    pub(crate) fn expand_ref(&self, r: &CodeRef, date: NaiveDate) -> Vec<Code> {
        let day = ymd(date);
        // Every key from `lo` up to the last code starting with `hi`.
        let start = self.icd.keys.partition_point(|&k| k < r.lo.key());
        let mut hi_end = r.hi.key();
        let pad = 8 - r.hi.len();
        if pad > 0 {
            hi_end |= (1u64 << (8 * pad)) - 1;
        }
        self.icd.keys[start..]
            .iter()
            .take_while(|&&k| k <= hi_end)
            .map(|&k| Code::from_key(k))
            .filter(|c| r.covers(c) && self.in_force(*c, day))
            .collect()
    }

    /// Every patterned Excludes1 item of the bundled tabular: the code whose note holds it, the
    /// note's text, the item's shape, and the codes it denotes on `date`.
    pub fn excludes1_patterns(&self, date: NaiveDate) -> Vec<PatternNote<'_>> {
        let icd = &self.icd;
        let mut out = Vec::new();
        for n in &icd.nodes {
            for rec in icd
                .notes_of(n)
                .iter()
                .filter(|r| r.kind == NoteKind::Excludes1)
            {
                for r in icd.refs_of(rec) {
                    if let Some(shape) = r.shape {
                        out.push(PatternNote {
                            at: n.code,
                            note: icd.note_text(rec),
                            shape,
                            codes: self.expand_ref(r, date),
                        });
                    }
                }
            }
        }
        out
    }
}

/// One Excludes1 item that names codes by a pattern, expanded on a date.
#[derive(Debug, Clone, Serialize)]
pub struct PatternNote<'a> {
    /// The code whose note holds the item.
    pub at: Code,
    /// The note's text.
    pub note: &'a str,
    /// How the item writes its pattern.
    pub shape: Shape,
    /// The codes it denotes, in force on the date.
    pub codes: Vec<Code>,
}
