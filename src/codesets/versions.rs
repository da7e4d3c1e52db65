//! I/OCE release calendar: which editor version (and so which NCCI/HCPCS quarter) covers a date.

use crate::codesets::date::{parse_field, Ymd, OPEN};
use crate::codesets::embedded::{fields, files, rows, LoadError};

const FILE: &str = "oce/versions.tsv";

/// One I/OCE release: its index in the data, its id (e.g. `27.1.0`) and the dates it covers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OceVersion {
    pub index: u8,
    pub id: &'static str,
    pub from: Ymd,
    pub to: Ymd,
}

pub(crate) struct OceVersions {
    pub list: Vec<OceVersion>,
}

impl OceVersions {
    pub fn load() -> Result<OceVersions, LoadError> {
        let mut list = Vec::new();
        for (no, _, line) in rows(files::OCE_VERSIONS) {
            let [idx, id, from, to] = fields::<4>(FILE, no, line)?;
            let bad = |w: &str| LoadError::new(FILE, no, format!("bad {w}"));
            list.push(OceVersion {
                index: idx.parse().map_err(|_| bad("index"))?,
                id,
                from: parse_field(from)
                    .filter(|&v| v != OPEN)
                    .ok_or_else(|| bad("from"))?,
                to: parse_field(to).ok_or_else(|| bad("to"))?,
            });
        }
        list.sort_by_key(|v| v.from);
        if list.is_empty() {
            return Err(LoadError::new(FILE, 0, "no versions"));
        }
        Ok(OceVersions { list })
    }

    /// The release in force on `date`, if the bundled data reaches that far back.
    #[inline]
    pub fn on(&self, date: Ymd) -> Option<&OceVersion> {
        let i = self.list.partition_point(|v| v.from <= date);
        let v = self.list.get(i.checked_sub(1)?)?;
        (date <= v.to).then_some(v)
    }

    pub fn by_index(&self, index: u8) -> Option<&OceVersion> {
        self.list.iter().find(|v| v.index == index)
    }

    pub fn latest(&self) -> &OceVersion {
        // `load` refuses an empty list, so the last element exists.
        &self.list[self.list.len() - 1]
    }

    pub fn first(&self) -> &OceVersion {
        &self.list[0]
    }
}
