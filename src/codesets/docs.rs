//! What search indexes: per ICD-10-CM code its title, its tabular inclusion terms
//! (`icd10cm/inclusion_terms.tsv`) and its "includes" notes; per HCPCS code its short descriptor.

use crate::codesets::code::Code;
use crate::codesets::embedded::{fields, rows, unzstd, LoadError};
use crate::codesets::hcpcs::HcpcsTable;
use crate::codesets::icd::notes::NoteKind;
use crate::codesets::icd::table::IcdTable;
use crate::codesets::rank::general_points;
use crate::codesets::search::WordIndex;

const INCLUSION: &str = "icd10cm/inclusion_terms.tsv";
const INCLUSION_BYTES: &[u8] = include_bytes!("../../codesets/icd10cm/inclusion_terms.tsv.zst");

/// Which text of a code a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Title,
    InclusionTerm,
    IncludesNote,
}

#[derive(Debug, Clone, Copy)]
struct Doc {
    /// Node index (ICD-10-CM) or code index (HCPCS).
    owner: u32,
    source: Source,
    off: u32,
    len: u32,
}

/// Searchable documents of one system and their word index.
pub(crate) struct DocSet {
    pub index: WordIndex,
    docs: Vec<Doc>,
    /// Text of the documents that are not titles (inclusion terms, notes), for `text`.
    extra_text: String,
    /// Per owner, `rank::general_points` of its title (ICD-10-CM only; empty for HCPCS).
    pub general: Vec<i8>,
}

impl DocSet {
    /// ICD-10-CM: titles of every node, then inclusion terms and includes notes of their code.
    pub fn icd(icd: &IcdTable) -> Result<DocSet, LoadError> {
        let inclusion = unzstd(INCLUSION, INCLUSION_BYTES)?;
        let mut docs: Vec<Doc> = Vec::with_capacity(icd.nodes.len() + 16_000);
        let mut extra_text = String::with_capacity(inclusion.len() + 64_000);
        let mut push_extra = |docs: &mut Vec<Doc>, owner: u32, source: Source, text: &str| {
            docs.push(Doc {
                owner,
                source,
                off: extra_text.len() as u32,
                len: text.len() as u32,
            });
            extra_text.push_str(text);
        };
        for (i, n) in icd.nodes.iter().enumerate() {
            docs.push(Doc {
                owner: i as u32,
                source: Source::Title,
                off: n.title.off,
                len: n.title.len,
            });
            for note in icd.notes_of(n) {
                if note.kind == NoteKind::Includes {
                    push_extra(
                        &mut docs,
                        i as u32,
                        Source::IncludesNote,
                        icd.note_text(note),
                    );
                }
            }
        }
        for (no, _, line) in rows(&inclusion) {
            let [code, term] = fields::<2>(INCLUSION, no, line)?;
            let c = Code::from_ascii(code.as_bytes())
                .ok_or_else(|| LoadError::new(INCLUSION, no, format!("bad code {code}")))?;
            let node = icd
                .find(&c)
                .ok_or_else(|| LoadError::new(INCLUSION, no, format!("unknown code {code}")))?;
            push_extra(&mut docs, node, Source::InclusionTerm, term);
        }
        let general = icd
            .nodes
            .iter()
            .map(|n| general_points(icd.title(n).unwrap_or("")).clamp(-100, 100) as i8)
            .collect();
        let mut set = DocSet {
            index: WordIndex::build(std::iter::empty()),
            docs,
            extra_text,
            general,
        };
        let texts: Vec<Option<&str>> = set
            .docs
            .iter()
            .map(|d| match d.source {
                Source::Title => icd.title(&icd.nodes[d.owner as usize]),
                _ => set.text(d),
            })
            .collect();
        let index = WordIndex::build(texts.into_iter());
        set.index = index;
        Ok(set)
    }

    /// HCPCS: the latest short descriptor of each code (`codes[i]`).
    pub fn hcpcs(hcpcs: &HcpcsTable, codes: &[Code]) -> DocSet {
        let titles: Vec<Option<&str>> = codes
            .iter()
            .map(|c| hcpcs.rows_of(c).last().and_then(|r| hcpcs.title(r)))
            .collect();
        let docs = (0..codes.len() as u32)
            .map(|owner| Doc {
                owner,
                source: Source::Title,
                off: 0,
                len: 0,
            })
            .collect();
        DocSet {
            index: WordIndex::build(titles.into_iter()),
            docs,
            extra_text: String::new(),
            general: Vec::new(),
        }
    }

    fn text(&self, d: &Doc) -> Option<&str> {
        self.extra_text
            .get(d.off as usize..(d.off + d.len) as usize)
    }

    /// The node/code a document belongs to and which text of it it is.
    pub fn owner(&self, doc: u32) -> (u32, Source) {
        let d = &self.docs[doc as usize];
        (d.owner, d.source)
    }

    /// The text of an inclusion-term or note document (titles come from the tables).
    pub fn extra(&self, doc: u32) -> Option<&str> {
        let d = &self.docs[doc as usize];
        (d.source != Source::Title).then(|| self.text(d)).flatten()
    }
}
