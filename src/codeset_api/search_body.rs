//! The search answer's JSON body, written straight from the hits: the same bytes `serde_json`
//! gives for `{"items": [SearchItem…]}`, without a `String` for every code, title and reason
//! and without serde's byte-at-a-time string escaping (together 19 % of an uncached search
//! request's instructions, session 14).

use std::fmt::Write as _;

use crate::codesets::{CodeSystem, SearchHit};

/// `{"items":[{"code":…,"title":…,"billable":…,"matched":…},…]}` for the hits (see
/// `routes::SearchItem` for the fields).
pub fn page(system: CodeSystem, hits: &[SearchHit<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + hits.len() * 192);
    let mut scratch = String::with_capacity(128);
    out.extend_from_slice(b"{\"items\":[");
    for (i, h) in hits.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"code\":\"");
        let (head, tail) = h.code.shown_parts(system);
        escaped(&mut out, head);
        if let Some(tail) = tail {
            out.push(b'.');
            escaped(&mut out, tail);
        }
        out.push(b'"');
        out.extend_from_slice(b",\"title\":");
        match h.title {
            Some(t) => string(&mut out, t),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(if h.billable {
            b",\"billable\":true"
        } else {
            b",\"billable\":false"
        });
        out.extend_from_slice(b",\"matched\":");
        if let Some(plain) = h.matched.plain() {
            string(&mut out, plain);
        } else {
            scratch.clear();
            // Writing into a `String` cannot fail.
            let _ = write!(scratch, "{}", h.matched.shown(system));
            string(&mut out, &scratch);
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    out
}

/// True for the bytes JSON strings escape (`serde_json` escapes exactly these).
fn needs_escape(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

/// A JSON string as `serde_json` writes it: `"` and `\` escaped, control characters as `\b`,
/// `\t`, `\n`, `\f`, `\r` or `\u00xx`, everything else (UTF-8 included) as it is. Titles
/// almost never need escaping, so 16 bytes at a time are tested (a loop the compiler
/// vectorises) and copied in one piece.
fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    escaped(out, s);
    out.push(b'"');
}

/// The inside of [`string`]'s quotes.
fn escaped(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        if let Some(chunk) = b.get(i..i + 16).and_then(|c| <&[u8; 16]>::try_from(c).ok()) {
            if !chunk.iter().fold(false, |acc, &c| acc | needs_escape(c)) {
                i += 16;
                continue;
            }
        }
        let c = b[i];
        if needs_escape(c) {
            out.extend_from_slice(&b[start..i]);
            match c {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0x08 => out.extend_from_slice(b"\\b"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(c >> 4)],
                    HEX[usize::from(c & 0xf)],
                ]),
            }
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&b[start..]);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::NaiveDate;
    use serde::Serialize;

    use super::*;
    use crate::codeset_api::routes::SearchItem;
    use crate::codesets::CodeTables;

    /// The body as the route built it before: `SearchItem`s serialised by `serde_json`.
    #[derive(Serialize)]
    struct SearchPage {
        items: Vec<SearchItem>,
    }

    fn by_serde(system: CodeSystem, hits: &[SearchHit<'_>]) -> Vec<u8> {
        let items = hits
            .iter()
            .map(|h| SearchItem {
                code: h.code.display(system),
                title: h.title.map(str::to_string),
                billable: h.billable,
                matched: h.matched.describe(system),
            })
            .collect();
        serde_json::to_vec(&SearchPage { items }).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é – “quoted” \u{2028} \u{7f} end");
        let cases = [
            "",
            "plain title of more than sixteen bytes",
            "a\"b\\c",
            "0123456789abcde\"",
            "0123456789abcdef\n0123456789abcdef\t",
            all.as_str(),
        ];
        for s in cases {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn pages_equal_serde_json_for_every_kind_of_answer() {
        let t = CodeTables::embedded().unwrap();
        let date = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let icd = [
            "diab mel typ 2",
            "CAD",
            "heart attack",
            "hypertenson",
            "E11",
            "e11.6",
            "T2DM with neuropathy",
            "pregnancy",
            "fracture wrist",
            "kidney stones",
            "a",
            "zzz",
        ];
        let hcpcs = ["glucose test strips", "J1100", "flu vac"];
        let queries = icd
            .iter()
            .map(|&q| (CodeSystem::Icd10cm, q))
            .chain(hcpcs.iter().map(|&q| (CodeSystem::Hcpcs, q)));
        for (system, q) in queries {
            let hits = t.search(system, q, date, 100);
            assert_eq!(page(system, &hits), by_serde(system, &hits), "{q}");
        }
        // A missing title (`null`) and a header, hand-made.
        let hits = t.search(CodeSystem::Icd10cm, "CAD", date, 5);
        let mut odd = hits.clone();
        odd[0].title = None;
        odd[0].billable = false;
        assert_eq!(
            page(CodeSystem::Icd10cm, &odd),
            by_serde(CodeSystem::Icd10cm, &odd)
        );
        assert_eq!(page(CodeSystem::Icd10cm, &[]), b"{\"items\":[]}");
    }
}
