//! A tolerant X12 tokenizer for the readers: delimiters come from the ISA segment, line breaks
//! between segments are ignored.

use super::error::ReadError;

/// One segment: its id and its elements (index 0 is the id, so `el(1)` is `XX01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seg<'a> {
    els: Vec<&'a str>,
    component: char,
}

impl<'a> Seg<'a> {
    /// The segment id (`ISA`, `AK2`, ...).
    pub fn id(&self) -> &'a str {
        self.els.first().copied().unwrap_or("")
    }

    /// Element `i` (1-based), empty when absent.
    pub fn el(&self, i: usize) -> &'a str {
        self.els.get(i).copied().unwrap_or("")
    }

    /// Element `i`, or `None` when absent or empty.
    pub fn opt(&self, i: usize) -> Option<&'a str> {
        Some(self.el(i)).filter(|s| !s.is_empty())
    }

    /// Component `j` (1-based) of element `i`, empty when absent.
    pub fn comp(&self, i: usize, j: usize) -> &'a str {
        self.el(i)
            .split(self.component)
            .nth(j.saturating_sub(1))
            .unwrap_or("")
    }

    /// Elements from `i` on that are not empty.
    pub fn rest(&self, i: usize) -> impl Iterator<Item = &'a str> + '_ {
        self.els.iter().skip(i).copied().filter(|s| !s.is_empty())
    }
}

/// True when `text` is an X12 interchange whose first transaction set is `code` (ST01, e.g.
/// "835"), read with the element separator its ISA declares; cheap enough to sort inbox files.
pub fn first_transaction_set_is(text: &str, code: &str) -> bool {
    let t = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let Some(sep) = t.strip_prefix("ISA").and_then(|r| r.chars().next()) else {
        return false;
    };
    t.contains(&format!("ST{sep}{code}{sep}"))
}

/// Splits an interchange into segments using the delimiters its ISA declares.
pub(crate) fn segments(text: &str) -> Result<Vec<Seg<'_>>, ReadError> {
    let text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let bytes = text.as_bytes();
    if bytes.len() < 106 || !text.starts_with("ISA") {
        return Err(ReadError::NoIsa);
    }
    let element = char::from(bytes[3]);
    let component = char::from(bytes[104]);
    let terminator = char::from(bytes[105]);
    if element.is_ascii_alphanumeric() || terminator.is_ascii_alphanumeric() {
        return Err(ReadError::NoIsa);
    }
    Ok(text
        .split(terminator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Seg {
            els: s.split(element).collect(),
            component,
        })
        .collect())
}

/// Finds the transaction set of type `expected` (ST01) and returns its segments from ST to SE,
/// plus the interchange control number (ISA13).
pub(crate) fn transaction<'a, 'b>(
    segs: &'b [Seg<'a>],
    expected: &'static str,
) -> Result<(&'a str, &'b [Seg<'a>]), ReadError> {
    let isa13 = segs.first().map(|s| s.el(13).trim()).unwrap_or("");
    let start = segs
        .iter()
        .position(|s| s.id() == "ST")
        .ok_or_else(|| ReadError::Structure("no ST segment".into()))?;
    let found = segs[start].el(1);
    if found != expected {
        return Err(ReadError::WrongTransaction {
            expected,
            found: found.to_string(),
        });
    }
    let end = segs[start..]
        .iter()
        .position(|s| s.id() == "SE")
        .map(|i| start + i + 1)
        .ok_or_else(|| ReadError::Structure("no SE segment".into()))?;
    Ok((isa13, &segs[start..end]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_delimiters_from_isa() {
        let text = "ISA|00|          |00|          |ZZ|A              |ZZ|B              |250101|1200|^|00501|000000007|0|T|>!\r\nGS|FA|A|B!ST|999|0001|005010X231!AK2|837|0001>X!SE|3|0001!";
        let segs = segments(text).unwrap();
        assert_eq!(segs.len(), 5);
        assert_eq!(segs[0].el(13), "000000007");
        assert_eq!(segs[3].comp(2, 2), "X");
        let (isa13, st) = transaction(&segs, "999").unwrap();
        assert_eq!(isa13, "000000007");
        assert_eq!(st.len(), 3);
        assert!(matches!(
            transaction(&segs, "277"),
            Err(ReadError::WrongTransaction { .. })
        ));
        assert_eq!(segments("hello"), Err(ReadError::NoIsa));
    }
}
