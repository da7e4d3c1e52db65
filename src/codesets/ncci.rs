//! NCCI procedure-to-procedure edits (outpatient hospital version, from the I/OCE), by quarter.

use crate::codesets::embedded::{files, unzstd_bytes, LoadError};

const FILE: &str = "ncci/ptp_outpatient.bin";
const MAGIC: &[u8] = b"MBNCCI01";

/// Column-1 -> column-2 pairs in CSR form; each pair has one or more dated rows.
pub(crate) struct NcciTable {
    /// Sorted 5-character codes (as packed keys); a code's id is its position.
    pub codes: Vec<u64>,
    col1_start: Vec<u32>,
    pair_c2: Vec<u16>,
    pair_row_start: Vec<u32>,
    pub row_lo: Vec<u8>,
    pub row_hi: Vec<u8>,
    pub row_mod: Vec<u8>,
    /// First and last I/OCE version in which each code takes part in any pair.
    pub code_span: Vec<(u8, u8)>,
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, what: &str) -> LoadError {
        LoadError::new(FILE, self.pos, format!("{what} at byte {}", self.pos))
    }

    fn varint(&mut self) -> Result<u32, LoadError> {
        let mut v: u64 = 0;
        for shift in (0..35).step_by(7) {
            let byte = *self
                .b
                .get(self.pos)
                .ok_or_else(|| self.err("truncated varint"))?;
            self.pos += 1;
            v |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                return u32::try_from(v).map_err(|_| self.err("varint overflow"));
            }
        }
        Err(self.err("varint too long"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], LoadError> {
        let s = self
            .b
            .get(self.pos..self.pos + n)
            .ok_or_else(|| self.err("truncated"))?;
        self.pos += n;
        Ok(s)
    }
}

impl NcciTable {
    /// Decode the bundled columnar file (layout in docs/codesets.md).
    pub fn load() -> Result<NcciTable, LoadError> {
        let raw = unzstd_bytes(FILE, files::NCCI_PTP)?;
        let mut r = Reader { b: &raw, pos: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(LoadError::new(FILE, 0, "bad magic"));
        }
        let ncodes = r.varint()? as usize;
        let mut codes = Vec::with_capacity(ncodes);
        for _ in 0..ncodes {
            let mut buf = [0u8; 8];
            buf[..5].copy_from_slice(r.take(5)?);
            codes.push(u64::from_be_bytes(buf));
        }
        if ncodes > usize::from(u16::MAX) || codes.windows(2).any(|w| w[0] >= w[1]) {
            return Err(r.err("code dictionary not sorted or too large"));
        }
        let npairs = r.varint()? as usize;
        let nrows = r.varint()? as usize;
        let mut col1_start = Vec::with_capacity(ncodes + 1);
        let mut acc = 0u32;
        for _ in 0..ncodes {
            col1_start.push(acc);
            acc += r.varint()?;
        }
        col1_start.push(acc);
        if acc as usize != npairs {
            return Err(r.err("pair count mismatch"));
        }
        let mut pair_c2 = Vec::with_capacity(npairs);
        for c1 in 0..ncodes {
            let mut prev = 0u32;
            for k in col1_start[c1]..col1_start[c1 + 1] {
                let d = r.varint()?;
                let c2 = if k == col1_start[c1] { d } else { prev + d };
                if c2 as usize >= ncodes {
                    return Err(r.err("column-2 id out of range"));
                }
                pair_c2.push(c2 as u16);
                prev = c2;
            }
        }
        let mut pair_row_start = Vec::with_capacity(npairs + 1);
        let mut acc = 0u32;
        for _ in 0..npairs {
            pair_row_start.push(acc);
            acc += r.varint()?;
        }
        pair_row_start.push(acc);
        if acc as usize != nrows {
            return Err(r.err("row count mismatch"));
        }
        let row_lo = r.take(nrows)?.to_vec();
        let row_hi = r.take(nrows)?.to_vec();
        let row_mod = r.take(nrows)?.to_vec();
        let mut table = NcciTable {
            codes,
            col1_start,
            pair_c2,
            pair_row_start,
            row_lo,
            row_hi,
            row_mod,
            code_span: vec![(u8::MAX, 0); ncodes],
        };
        table.compute_code_spans();
        Ok(table)
    }

    fn compute_code_spans(&mut self) {
        for c1 in 0..self.codes.len() {
            for p in self.col1_start[c1] as usize..self.col1_start[c1 + 1] as usize {
                let c2 = self.pair_c2[p] as usize;
                for row in self.pair_row_start[p] as usize..self.pair_row_start[p + 1] as usize {
                    let (lo, hi) = (self.row_lo[row], self.row_hi[row]);
                    for c in [c1, c2] {
                        let s = &mut self.code_span[c];
                        *s = (s.0.min(lo), s.1.max(hi));
                    }
                }
            }
        }
    }

    /// The id of a code in the NCCI dictionary.
    #[inline]
    pub fn id(&self, key: u64) -> Option<u16> {
        self.codes.binary_search(&key).ok().map(|i| i as u16)
    }

    /// The row in force at I/OCE version `v` for the pair (col1, col2), if any.
    #[inline]
    pub fn row(&self, col1: u16, col2: u16, v: u8) -> Option<usize> {
        let c1 = col1 as usize;
        let s = self.col1_start[c1] as usize;
        let e = self.col1_start[c1 + 1] as usize;
        let p = s + self.pair_c2[s..e].binary_search(&col2).ok()?;
        (self.pair_row_start[p] as usize..self.pair_row_start[p + 1] as usize)
            .find(|&r| self.row_lo[r] <= v && v <= self.row_hi[r])
    }

    /// Number of pairs with a row in force at version `v`.
    pub fn pairs_at(&self, v: u8) -> usize {
        (0..self.pair_c2.len())
            .filter(|&p| {
                (self.pair_row_start[p] as usize..self.pair_row_start[p + 1] as usize)
                    .any(|r| self.row_lo[r] <= v && v <= self.row_hi[r])
            })
            .count()
    }

    /// Total rows (pair versions) held.
    pub fn row_count(&self) -> usize {
        self.row_lo.len()
    }
}
