//! HCPCS Level II codes with dated rows (I/OCE 2019-07-01 on): short titles and age ranges.

use crate::codesets::code::Code;
use crate::codesets::date::{parse_field, Ymd, OPEN};
use crate::codesets::embedded::{fields, files, rows, unzstd, LoadError};

const FILE: &str = "hcpcs/hcpcs.tsv";

#[derive(Debug, Clone, Copy)]
pub(crate) struct HcpcsRow {
    pub from: Ymd,
    pub to: Ymd,
    pub lo_age: u8,
    pub hi_age: u8,
    title_off: u32,
    title_len: u32,
}

/// HCPCS Level II in memory: sorted codes, each with its rows in date order.
pub(crate) struct HcpcsTable {
    text: String,
    pub keys: Vec<u64>,
    ranges: Vec<(u32, u32)>,
    pub rows: Vec<HcpcsRow>,
}

impl HcpcsTable {
    /// Load the bundled HCPCS file.
    pub fn load() -> Result<HcpcsTable, LoadError> {
        let text = unzstd(FILE, files::HCPCS)?;
        let mut keys: Vec<u64> = Vec::with_capacity(12_000);
        let mut ranges: Vec<(u32, u32)> = Vec::with_capacity(12_000);
        let mut out = Vec::with_capacity(16_000);
        for (no, off, line) in rows(&text) {
            let [code, from, to, lo, hi, title] = fields::<6>(FILE, no, line)?;
            let key = Code::from_ascii(code.as_bytes())
                .ok_or_else(|| LoadError::new(FILE, no, "bad code"))?
                .key();
            let bad = |what: &str| LoadError::new(FILE, no, format!("bad {what}"));
            let row = HcpcsRow {
                from: parse_field(from)
                    .filter(|&v| v != OPEN)
                    .ok_or_else(|| bad("from"))?,
                to: parse_field(to).ok_or_else(|| bad("to"))?,
                lo_age: lo.parse().map_err(|_| bad("lo_age"))?,
                hi_age: hi.parse().map_err(|_| bad("hi_age"))?,
                title_off: (off + line.len() - title.len()) as u32,
                title_len: title.len() as u32,
            };
            match keys.last() {
                Some(&k) if k == key => {
                    if let Some(r) = ranges.last_mut() {
                        r.1 += 1;
                    }
                }
                Some(&k) if k > key => return Err(LoadError::new(FILE, no, "codes out of order")),
                _ => {
                    keys.push(key);
                    ranges.push((out.len() as u32, 1));
                }
            }
            out.push(row);
        }
        Ok(HcpcsTable {
            text,
            keys,
            ranges,
            rows: out,
        })
    }

    /// Rows of a code (empty if unknown).
    #[inline]
    pub fn rows_of(&self, code: &Code) -> &[HcpcsRow] {
        match self.keys.binary_search(&code.key()) {
            Ok(i) => {
                let (s, n) = self.ranges[i];
                &self.rows[s as usize..(s + n) as usize]
            }
            Err(_) => &[],
        }
    }

    /// The short title of a row, `None` when blank (CDT D-codes are bundled without descriptors).
    pub fn title(&self, r: &HcpcsRow) -> Option<&str> {
        let t = self
            .text
            .get(r.title_off as usize..(r.title_off + r.title_len) as usize)?;
        (!t.is_empty()).then_some(t)
    }

    /// Codes with the row of each that is latest (for the search index).
    pub fn latest_rows(&self) -> impl Iterator<Item = (Code, &HcpcsRow)> + '_ {
        self.keys
            .iter()
            .zip(&self.ranges)
            .map(|(&k, &(s, n))| (Code::from_key(k), &self.rows[(s + n - 1) as usize]))
    }

    /// Number of codes with a row in force on `date`.
    pub fn count_on(&self, date: Ymd) -> usize {
        self.ranges
            .iter()
            .filter(|&&(s, n)| {
                self.rows[s as usize..(s + n) as usize]
                    .iter()
                    .any(|r| r.from <= date && date <= r.to)
            })
            .count()
    }
}
