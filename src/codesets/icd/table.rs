//! ICD-10-CM in memory: the tabular tree, MCE validity periods, notes; loaded from the bundled files.

use std::collections::HashMap;

use super::edits::parse_edits;
use super::notes::{code_refs, CodeRef, NoteKind};
use super::pattern::{char_bit, Pat};
use crate::codesets::code::Code;
use crate::codesets::date::{parse_field, Ymd, OPEN};
use crate::codesets::embedded::{fields, files, rows, unzstd, LoadError};

pub(crate) const NONE: u32 = u32::MAX;

/// Where a node sits in the tabular list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A chapter, keyed by its range (e.g. `E00-E89`).
    Chapter,
    /// A block of categories, keyed by its range (e.g. `E08-E13`).
    Block,
    /// A three-character category.
    Category,
    /// A subcategory or code below a category.
    Subcategory,
    /// A code formed with a 7th character.
    Extension,
    /// A code known only from the MCE code list (deleted before, or new after, the bundled tabular).
    NotInTabular,
}

/// Which text a title span points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TitleBuf {
    Tabular,
    OldTitles,
    None,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub off: u32,
    pub len: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub code: Code,
    pub kind: NodeKind,
    pub title_buf: TitleBuf,
    pub title: Span,
    pub parent: u32,
    pub children: (u32, u32),
    pub periods: (u32, u32),
    pub notes: (u32, u32),
    /// Earliest start and latest end over this node's and its descendants' periods.
    pub span_from: Ymd,
    pub span_to: Ymd,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Period {
    pub from: Ymd,
    pub to: Ymd,
    pub edits: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct NoteRec {
    pub kind: NoteKind,
    pub text: Span,
    pub refs: (u32, u32),
}

/// The loaded ICD-10-CM table.
pub(crate) struct IcdTable {
    pub tabular_text: String,
    pub old_titles_text: String,
    pub notes_text: String,
    pub nodes: Vec<Node>,
    pub children: Vec<u32>,
    /// Sorted code keys and the node each names; split so the binary search touches only keys.
    pub keys: Vec<u64>,
    pub key_nodes: Vec<u32>,
    pub periods: Vec<Period>,
    pub notes: Vec<NoteRec>,
    pub refs: Vec<CodeRef>,
    /// Number of nodes that carry at least one Excludes1 note.
    pub excludes1_nodes: usize,
}

const TAB: &str = "icd10cm/tabular.tsv";
const VAL: &str = "icd10cm/validity.tsv";
const NOTES: &str = "icd10cm/notes.tsv";
const OLD: &str = "icd10cm/old_titles.tsv";

fn span(off: usize, len: usize) -> Span {
    Span {
        off: off as u32,
        len: len as u32,
    }
}

fn code_of(table: &'static str, line: usize, s: &str) -> Result<Code, LoadError> {
    Code::from_ascii(s.as_bytes())
        .ok_or_else(|| LoadError::new(table, line, format!("bad code {s:?}")))
}

impl IcdTable {
    /// Load the three ICD-10-CM files and link them into one tree.
    pub fn load() -> Result<IcdTable, LoadError> {
        let tabular_text = unzstd(TAB, files::ICD_TABULAR)?;
        let old_titles_text = unzstd(OLD, files::ICD_OLD_TITLES)?;
        let notes_text = unzstd(NOTES, files::ICD_NOTES)?;
        let validity_text = unzstd(VAL, files::ICD_VALIDITY)?;

        let mut nodes = Vec::with_capacity(100_000);
        let mut by_code: HashMap<Code, u32> = HashMap::with_capacity(100_000);
        let mut stack: Vec<u32> = Vec::new();
        for (no, off, line) in rows(&tabular_text) {
            let [depth, code, kind, _billable, title] = fields::<5>(TAB, no, line)?;
            let depth: usize = depth
                .parse()
                .map_err(|_| LoadError::new(TAB, no, "bad depth"))?;
            let kind = match kind {
                "chapter" => NodeKind::Chapter,
                "block" => NodeKind::Block,
                "category" => NodeKind::Category,
                "subcategory" => NodeKind::Subcategory,
                "extension" => NodeKind::Extension,
                other => return Err(LoadError::new(TAB, no, format!("unknown kind {other}"))),
            };
            stack.truncate(depth);
            if stack.len() != depth {
                return Err(LoadError::new(TAB, no, "depth skips a level"));
            }
            let code = code_of(TAB, no, code)?;
            let idx = nodes.len() as u32;
            let title_off = off + line.len() - title.len();
            nodes.push(Node {
                code,
                kind,
                title_buf: TitleBuf::Tabular,
                title: span(title_off, title.len()),
                parent: stack.last().copied().unwrap_or(NONE),
                children: (0, 0),
                periods: (0, 0),
                notes: (0, 0),
                span_from: OPEN,
                span_to: 0,
            });
            if by_code.insert(code, idx).is_some() {
                return Err(LoadError::new(TAB, no, format!("duplicate code {code}")));
            }
            stack.push(idx);
        }

        let old_titles: HashMap<&str, (usize, usize)> = rows(&old_titles_text)
            .filter_map(|(_, off, line)| {
                line.split_once('\t')
                    .map(|(c, t)| (c, (off + c.len() + 1, t.len())))
            })
            .collect();

        let mut periods = Vec::with_capacity(90_000);
        for (no, _, line) in rows(&validity_text) {
            let [code, from, to, edits] = fields::<4>(VAL, no, line)?;
            let c = code_of(VAL, no, code)?;
            let from = parse_field(from)
                .filter(|&v| v != OPEN)
                .ok_or_else(|| LoadError::new(VAL, no, "bad from"))?;
            let to = parse_field(to).ok_or_else(|| LoadError::new(VAL, no, "bad to"))?;
            let edits = parse_edits(edits)
                .map_err(|n| LoadError::new(VAL, no, format!("unknown MCE edit {n}")))?;
            let idx = match by_code.get(&c) {
                Some(&i) => i,
                None => {
                    let i = nodes.len() as u32;
                    let (title_buf, title) = match old_titles.get(code) {
                        Some(&(o, l)) => (TitleBuf::OldTitles, span(o, l)),
                        None => (TitleBuf::None, span(0, 0)),
                    };
                    let parent = (3..c.len())
                        .rev()
                        .find_map(|n| by_code.get(&c.truncate(n)).copied())
                        .unwrap_or(NONE);
                    nodes.push(Node {
                        code: c,
                        kind: NodeKind::NotInTabular,
                        title_buf,
                        title,
                        parent,
                        children: (0, 0),
                        periods: (0, 0),
                        notes: (0, 0),
                        span_from: OPEN,
                        span_to: 0,
                    });
                    by_code.insert(c, i);
                    i
                }
            };
            let n = &mut nodes[idx as usize];
            if n.periods.1 == 0 {
                n.periods.0 = periods.len() as u32;
            } else if n.periods.0 + n.periods.1 != periods.len() as u32 {
                return Err(LoadError::new(
                    VAL,
                    no,
                    "periods of a code are not contiguous",
                ));
            }
            n.periods.1 += 1;
            periods.push(Period { from, to, edits });
        }

        let (notes, refs, excludes1_nodes) = load_notes(&notes_text, &by_code, &mut nodes)?;
        let children = link_children(&mut nodes);
        propagate_spans(&mut nodes, &periods);

        let mut order: Vec<(u64, u32)> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.code.key(), i as u32))
            .collect();
        order.sort_unstable();
        let (keys, key_nodes) = order.into_iter().unzip();
        Ok(IcdTable {
            tabular_text,
            old_titles_text,
            notes_text,
            nodes,
            children,
            keys,
            key_nodes,
            periods,
            notes,
            refs,
            excludes1_nodes,
        })
    }

    /// Node index of a code, by binary search over the packed keys.
    #[inline]
    pub fn find(&self, code: &Code) -> Option<u32> {
        self.keys
            .binary_search(&code.key())
            .ok()
            .map(|i| self.key_nodes[i])
    }

    /// Title text of a node, if any is bundled.
    pub fn title(&self, n: &Node) -> Option<&str> {
        let text = match n.title_buf {
            TitleBuf::Tabular => &self.tabular_text,
            TitleBuf::OldTitles => &self.old_titles_text,
            TitleBuf::None => return None,
        };
        text.get(n.title.off as usize..(n.title.off + n.title.len) as usize)
    }

    pub fn note_text(&self, n: &NoteRec) -> &str {
        self.notes_text
            .get(n.text.off as usize..(n.text.off + n.text.len) as usize)
            .unwrap_or("")
    }

    pub fn periods_of(&self, n: &Node) -> &[Period] {
        &self.periods[n.periods.0 as usize..(n.periods.0 + n.periods.1) as usize]
    }

    pub fn children_of(&self, n: &Node) -> &[u32] {
        &self.children[n.children.0 as usize..(n.children.0 + n.children.1) as usize]
    }

    pub fn notes_of(&self, n: &Node) -> &[NoteRec] {
        &self.notes[n.notes.0 as usize..(n.notes.0 + n.notes.1) as usize]
    }

    pub fn refs_of(&self, n: &NoteRec) -> &[CodeRef] {
        &self.refs[n.refs.0 as usize..(n.refs.0 + n.refs.1) as usize]
    }

    /// The node itself, then its parent, up to the chapter.
    pub fn ancestors_or_self(&self, idx: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(Some(idx), move |&i| {
            let p = self.nodes[i as usize].parent;
            (p != NONE).then_some(p)
        })
    }
}

type LoadedNotes = (Vec<NoteRec>, Vec<CodeRef>, usize);

fn load_notes(
    text: &str,
    by_code: &HashMap<Code, u32>,
    nodes: &mut [Node],
) -> Result<LoadedNotes, LoadError> {
    let mut tmp: Vec<(u32, NoteRec)> = Vec::with_capacity(25_000);
    let mut refs = Vec::with_capacity(20_000);
    for (no, off, line) in rows(text) {
        let [code, kind, body] = fields::<3>(NOTES, no, line)?;
        let c = code_of(NOTES, no, code)?;
        let node = *by_code
            .get(&c)
            .ok_or_else(|| LoadError::new(NOTES, no, format!("note for unknown code {code}")))?;
        let kind = NoteKind::parse(kind)
            .ok_or_else(|| LoadError::new(NOTES, no, format!("unknown note kind {kind}")))?;
        let start = refs.len() as u32;
        if kind == NoteKind::Excludes1 {
            refs.extend(code_refs(body));
        }
        let rec = NoteRec {
            kind,
            text: span(off + line.len() - body.len(), body.len()),
            refs: (start, refs.len() as u32 - start),
        };
        tmp.push((node, rec));
    }
    // Stable sort keeps the tabular order of notes within one node.
    tmp.sort_by_key(|(n, _)| *n);
    let mut notes = Vec::with_capacity(tmp.len());
    let mut excludes1_nodes = 0;
    for (i, (node, rec)) in tmp.into_iter().enumerate() {
        let n = &mut nodes[node as usize];
        if n.notes.1 == 0 {
            n.notes.0 = i as u32;
        }
        if rec.kind == NoteKind::Excludes1 && !notes_of_kind(&notes, n, NoteKind::Excludes1) {
            excludes1_nodes += 1;
        }
        n.notes.1 += 1;
        notes.push(rec);
    }
    resolve_open_fracture(text, by_code, nodes, &notes, &mut refs);
    Ok((notes, refs, excludes1_nodes))
}

/// "(S52.- with open fracture 7th character)": the 7th characters whose definition under the
/// range's category says "open fracture" (for S52: B, C, E, F, H, J, M, N, Q, R).
fn resolve_open_fracture(
    text: &str,
    by_code: &HashMap<Code, u32>,
    nodes: &[Node],
    notes: &[NoteRec],
    refs: &mut [CodeRef],
) {
    for r in refs.iter_mut().filter(|r| r.pat == Pat::OpenFracture7th) {
        let Some(&idx) = by_code.get(&r.lo) else {
            continue;
        };
        let n = &nodes[idx as usize];
        let set = notes[n.notes.0 as usize..(n.notes.0 + n.notes.1) as usize]
            .iter()
            .filter(|rec| rec.kind == NoteKind::SeventhChar)
            .filter_map(|rec| {
                let t = text.get(rec.text.off as usize..(rec.text.off + rec.text.len) as usize)?;
                let (ch, meaning) = t.split_once('=')?;
                if !meaning.contains("open fracture") {
                    return None;
                }
                char_bit(*ch.as_bytes().first()?)
            })
            .fold(0u64, |a, b| a | b);
        if set != 0 {
            r.pat = Pat::Set { pos: 6, set };
        }
    }
}

fn notes_of_kind(notes: &[NoteRec], n: &Node, kind: NoteKind) -> bool {
    notes[n.notes.0 as usize..(n.notes.0 + n.notes.1) as usize]
        .iter()
        .any(|r| r.kind == kind)
}

/// Build the children lists; siblings below a category come in code order.
fn link_children(nodes: &mut [Node]) -> Vec<u32> {
    let mut count = vec![0u32; nodes.len()];
    for n in nodes.iter() {
        if n.parent != NONE {
            count[n.parent as usize] += 1;
        }
    }
    let mut start = 0u32;
    for (i, n) in nodes.iter_mut().enumerate() {
        n.children = (start, 0);
        start += count[i];
    }
    let mut children = vec![0u32; start as usize];
    for i in 0..nodes.len() {
        let p = nodes[i].parent;
        if p != NONE {
            let pn = &mut nodes[p as usize];
            children[(pn.children.0 + pn.children.1) as usize] = i as u32;
            pn.children.1 += 1;
        }
    }
    for n in nodes.iter() {
        if matches!(
            n.kind,
            NodeKind::Category | NodeKind::Subcategory | NodeKind::Extension
        ) {
            let s = &mut children[n.children.0 as usize..(n.children.0 + n.children.1) as usize];
            s.sort_by_key(|&c| nodes[c as usize].code);
        }
    }
    children
}

/// Every parent precedes its children in `nodes`, so one reverse pass carries spans upward.
fn propagate_spans(nodes: &mut [Node], periods: &[Period]) {
    for n in nodes.iter_mut() {
        for p in &periods[n.periods.0 as usize..(n.periods.0 + n.periods.1) as usize] {
            n.span_from = n.span_from.min(p.from);
            n.span_to = n.span_to.max(p.to);
        }
    }
    for i in (0..nodes.len()).rev() {
        let (p, from, to) = (nodes[i].parent, nodes[i].span_from, nodes[i].span_to);
        if p != NONE {
            let pn = &mut nodes[p as usize];
            pn.span_from = pn.span_from.min(from);
            pn.span_to = pn.span_to.max(to);
        }
    }
}
