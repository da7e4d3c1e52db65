//! Character patterns in Excludes1 items that name codes by shape rather than one by one:
//! "(E08-E13 with .44)", "(V01-V09 with 5th character 1)", "(I69. with final characters -23)",
//! "(S02.- with 7th character B)", "(S52.- with open fracture 7th character)".
//!
//! A pattern narrows a code range: the codes it denotes are the codes of the range whose
//! characters match. Positions count the code's characters without the dot, from 0.

/// Which characters of a code a pattern looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pat {
    /// No pattern: every code of the range.
    Any,
    /// Characters `pos..pos+n` lie between `lo` and `hi` (inclusive), e.g. `.51-.52`.
    At {
        pos: u8,
        n: u8,
        lo: [u8; 3],
        hi: [u8; 3],
    },
    /// The code's last `n` characters are `chars` ("final characters -23").
    Suffix { n: u8, chars: [u8; 3] },
    /// The character at `pos` is one of a set (bit i: '0'+i for digits, 10 + letter index).
    Set { pos: u8, set: u64 },
    /// "with open fracture 7th character": resolved at load into a `Set` from the 7th-character
    /// definitions of the range's category.
    OpenFracture7th,
}

/// The shapes reported in docs/scrubber.md; one name per way the tabular writes a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// "(E08-E13 with .44)": the characters after the dot, exactly.
    Ending,
    /// "(E08-E13 with .51-.52)": a range of endings.
    EndingRange,
    /// "(E08-E13 with .62-)": an ending and anything below it.
    EndingPrefix,
    /// "(V01-V09 with 5th character 1)", "(A37 with fifth-character 1)": one character position.
    NthCharacter,
    /// "(F11-F19 with fifth to sixth characters 51)": a run of positions.
    NthToMthCharacters,
    /// "(S02.- with 7th character B)": the 7th character.
    SeventhCharacter,
    /// "(S52.- with open fracture 7th character)": the 7th characters defined as open fracture.
    OpenFracture7th,
    /// "(I69. with final characters -23)": the code's last characters.
    FinalCharacters,
}

pub(crate) fn char_bit(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some(1 << (c - b'0')),
        b'A'..=b'Z' => Some(1 << (10 + c - b'A')),
        _ => None,
    }
}

impl Pat {
    /// True if `code` (characters without the dot) matches.
    pub fn matches(&self, code: &[u8]) -> bool {
        match *self {
            Pat::Any => true,
            Pat::At { pos, n, lo, hi } => {
                let (p, n) = (pos as usize, n as usize);
                code.len() >= p + n && {
                    let got = &code[p..p + n];
                    got >= &lo[..n] && got <= &hi[..n]
                }
            }
            Pat::Suffix { n, chars } => code.ends_with(&chars[..n as usize]),
            Pat::Set { pos, set } => code
                .get(pos as usize)
                .and_then(|&c| char_bit(c))
                .is_some_and(|b| set & b != 0),
            // Unresolved (the category has no open-fracture 7th characters): matches nothing.
            Pat::OpenFracture7th => false,
        }
    }
}

fn ordinal(word: &str) -> Option<u8> {
    Some(match word {
        "4th" | "fourth" => 3,
        "5th" | "fifth" => 4,
        "6th" | "sixth" => 5,
        "7th" | "seventh" => 6,
        _ => return None,
    })
}

fn chars3(s: &[u8]) -> Option<[u8; 3]> {
    // Lower case is refused: ".xx" in running text is a placeholder, not a code ending.
    let ok = |c: &u8| c.is_ascii_digit() || c.is_ascii_uppercase();
    if s.is_empty() || s.len() > 3 || !s.iter().all(ok) {
        return None;
    }
    let mut out = [0u8; 3];
    out[..s.len()].copy_from_slice(s);
    Some(out)
}

/// Parse what follows "with" in an item; `None` for anything else (the item is then skipped).
pub(crate) fn parse_spec(spec: &str) -> Option<(Pat, Shape)> {
    let spec = spec.trim();
    if let Some(rest) = spec.strip_prefix('.') {
        // ".44", ".620", ".62-", ".51-.52"
        if let Some((a, b)) = rest.split_once("-.") {
            let (lo, hi) = (chars3(a.as_bytes())?, chars3(b.as_bytes())?);
            if a.len() != b.len() {
                return None;
            }
            let n = a.len() as u8;
            return Some((Pat::At { pos: 3, n, lo, hi }, Shape::EndingRange));
        }
        let (body, shape) = match rest.strip_suffix('-') {
            Some(b) => (b, Shape::EndingPrefix),
            None => (rest, Shape::Ending),
        };
        let lo = chars3(body.as_bytes())?;
        let n = body.len() as u8;
        return Some((
            Pat::At {
                pos: 3,
                n,
                lo,
                hi: lo,
            },
            shape,
        ));
    }
    let lower = spec
        .to_ascii_lowercase()
        .replace("-character", " character");
    let words: Vec<&str> = lower.split_whitespace().collect();
    match words.as_slice() {
        ["final", "characters" | "character", v] => {
            let v = v.strip_prefix('-')?.to_ascii_uppercase();
            let chars = chars3(v.as_bytes())?;
            Some((
                Pat::Suffix {
                    n: v.len() as u8,
                    chars,
                },
                Shape::FinalCharacters,
            ))
        }
        ["open", "fracture", o, "character"] if ordinal(o) == Some(6) => {
            Some((Pat::OpenFracture7th, Shape::OpenFracture7th))
        }
        [o, "character", v] => {
            let pos = ordinal(o)?;
            let v = v.trim_start_matches('.');
            if v.len() != 1 {
                return None;
            }
            let set = char_bit(v.as_bytes()[0].to_ascii_uppercase())?;
            let shape = if pos == 6 {
                Shape::SeventhCharacter
            } else {
                Shape::NthCharacter
            };
            Some((Pat::Set { pos, set }, shape))
        }
        [a, "to", b, "characters", v] => {
            let (pos, last) = (ordinal(a)?, ordinal(b)?);
            let v = v.to_ascii_uppercase();
            let lo = chars3(v.as_bytes())?;
            if last < pos || usize::from(last - pos + 1) != v.len() {
                return None;
            }
            let n = v.len() as u8;
            Some((Pat::At { pos, n, lo, hi: lo }, Shape::NthToMthCharacters))
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn m(spec: &str, code: &str) -> bool {
        parse_spec(spec).unwrap().0.matches(code.as_bytes())
    }

    #[test]
    fn each_spec_form_matches_its_codes_only() {
        assert!(m(".44", "E1144") && !m(".44", "E1143") && !m(".44", "E114"));
        assert!(m(".620", "E11620") && !m(".620", "E11621"));
        assert!(m(".62-", "E11628") && !m(".62-", "E1163"));
        assert!(m(".51-.52", "E1151") && m(".51-.52", "E1152") && !m(".51-.52", "E1159"));
        assert!(m("5th character 1", "V0101XA") && !m("5th character 1", "V0100XA"));
        assert!(m("fifth-character 1", "A3701") && !m("fifth-character 1", "A3700"));
        assert!(m("5th character .6", "F1026") && !m("5th character .6", "F1027"));
        assert!(m("fifth to sixth characters 51", "F11151"));
        assert!(!m("fifth to sixth characters 51", "F11150"));
        assert!(m("7th character B", "S02101B") && !m("7th character B", "S02101A"));
        assert!(m("seventh character A", "S060X0A") && !m("seventh character A", "S060X0D"));
        assert!(m("final characters -23", "I69323") && !m("final characters -23", "I69328"));
    }

    #[test]
    fn other_words_are_not_patterns() {
        for s in [
            "C3 glomerulopathy",
            "5th character",
            "fifth to sixth characters 5",
            ".4x",
            "final characters 23",
            "open fracture",
        ] {
            assert!(parse_spec(s).is_none(), "{s}");
        }
        assert_eq!(
            parse_spec("open fracture 7th character").map(|p| p.1),
            Some(Shape::OpenFracture7th)
        );
    }
}
