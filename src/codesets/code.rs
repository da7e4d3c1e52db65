//! Code systems and code normalisation: accept `e11.9`, ` E119 `, `E11.9`; reject with a typed error.

use std::fmt;

use serde::Serialize;

/// The code systems a lookup can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeSystem {
    /// ICD-10-CM diagnoses (CDC tabular + CMS MCE validity).
    Icd10cm,
    /// HCPCS Level II procedures and supplies (CMS I/OCE).
    Hcpcs,
    /// CPT (AMA): checked by format and NCCI presence unless a licensed file is overlaid.
    Cpt,
}

impl CodeSystem {
    /// The lower-case name used in the API (`icd10cm`, `hcpcs`, `cpt`).
    pub fn as_str(self) -> &'static str {
        match self {
            CodeSystem::Icd10cm => "icd10cm",
            CodeSystem::Hcpcs => "hcpcs",
            CodeSystem::Cpt => "cpt",
        }
    }

    /// Parse an API name (`icd10cm`, `icd-10-cm`, `hcpcs`, `cpt`; any case).
    pub fn parse(name: &str) -> Option<CodeSystem> {
        match name.trim().to_ascii_lowercase().as_str() {
            "icd10cm" | "icd-10-cm" | "icd10" => Some(CodeSystem::Icd10cm),
            "hcpcs" => Some(CodeSystem::Hcpcs),
            "cpt" => Some(CodeSystem::Cpt),
            _ => None,
        }
    }
}

impl fmt::Display for CodeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a code string was rejected before any table was consulted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum CodeError {
    /// Nothing but spaces was given.
    Empty,
    /// More characters than the system allows.
    TooLong { max: usize, got: usize },
    /// Fewer characters than the system allows.
    TooShort { min: usize, got: usize },
    /// A character that no code of the system may contain, with its 0-based position.
    IllegalCharacter { character: char, position: usize },
    /// A dot anywhere but after the third character of an ICD-10-CM code.
    MisplacedDot { position: usize },
    /// Right characters, wrong shape (e.g. an HCPCS code that is not a letter and 4 digits).
    BadFormat { expected: &'static str },
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeError::Empty => write!(f, "the code is empty"),
            CodeError::TooLong { max, got } => write!(
                f,
                "the code has {got} characters; at most {max} are allowed"
            ),
            CodeError::TooShort { min, got } => write!(
                f,
                "the code has {got} characters; at least {min} are needed"
            ),
            CodeError::IllegalCharacter {
                character,
                position,
            } => {
                write!(
                    f,
                    "character {character:?} at position {} is not allowed in a code",
                    position + 1
                )
            }
            CodeError::MisplacedDot { position } => {
                write!(
                    f,
                    "a dot may only follow the third character (found at position {})",
                    position + 1
                )
            }
            CodeError::BadFormat { expected } => {
                write!(f, "the code does not have the expected form: {expected}")
            }
        }
    }
}

impl std::error::Error for CodeError {}

/// Longest code we store: 7 ICD-10-CM characters, or a block range such as `E08-E13`.
pub const MAX_CODE_LEN: usize = 7;

/// A normalised code: upper case, no dot, at most 8 ASCII bytes, kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code {
    // Zero padded; byte order equals text order, so the derived Ord sorts like the codes.
    bytes: [u8; 8],
}

impl Code {
    /// Build from already-normalised ASCII bytes (upper case, no dot); `None` if empty or over 8.
    pub(crate) fn from_ascii(bytes: &[u8]) -> Option<Code> {
        if bytes.is_empty() || bytes.len() > 8 || !bytes.is_ascii() {
            return None;
        }
        let mut buf = [0u8; 8];
        buf[..bytes.len()].copy_from_slice(bytes);
        Some(Code { bytes: buf })
    }

    /// The packed sort key: big-endian bytes, zero padded, so key order is text order.
    pub(crate) fn key(self) -> u64 {
        u64::from_be_bytes(self.bytes)
    }

    pub(crate) fn from_key(key: u64) -> Code {
        Code {
            bytes: key.to_be_bytes(),
        }
    }

    /// Number of characters.
    pub fn len(&self) -> usize {
        self.bytes.iter().position(|&b| b == 0).unwrap_or(8)
    }

    /// Always false for a constructed code; present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.bytes[0] == 0
    }

    /// The code without a dot, e.g. `E119`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len()]).unwrap_or("")
    }

    /// The code as written for people: ICD-10-CM codes get a dot after the third character.
    pub fn display(&self, system: CodeSystem) -> String {
        self.shown(system).to_string()
    }

    /// True if `prefix` (a shorter or equal code) starts this code.
    pub fn starts_with(&self, prefix: &Code) -> bool {
        let n = prefix.len();
        self.bytes[..n] == prefix.bytes[..n]
    }

    /// This code cut to its first `n` characters.
    pub fn truncate(&self, n: usize) -> Code {
        let mut bytes = self.bytes;
        for b in bytes.iter_mut().skip(n) {
            *b = 0;
        }
        Code { bytes }
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code({})", self.as_str())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Normalise a code typed by a person or sent by a system: trims spaces, upper-cases, drops the
/// ICD-10-CM dot, and checks the shape the system requires. No allocation.
pub fn normalize(system: CodeSystem, raw: &str) -> Result<Code, CodeError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(CodeError::Empty);
    }
    let mut buf = [0u8; 8];
    let mut n = 0usize;
    for (pos, ch) in s.chars().enumerate() {
        if ch == '.' {
            if system == CodeSystem::Icd10cm && pos == 3 && n == 3 {
                continue;
            }
            return Err(CodeError::MisplacedDot { position: pos });
        }
        let ok = ch.is_ascii_alphanumeric() || (ch == '-' && system == CodeSystem::Icd10cm);
        if !ok {
            return Err(CodeError::IllegalCharacter {
                character: ch,
                position: pos,
            });
        }
        if n == MAX_CODE_LEN {
            let got = s.chars().filter(|&c| c != '.').count();
            return Err(CodeError::TooLong {
                max: max_len(system),
                got,
            });
        }
        buf[n] = ch.to_ascii_uppercase() as u8;
        n += 1;
    }
    check_shape(system, &buf[..n])?;
    Code::from_ascii(&buf[..n]).ok_or(CodeError::Empty)
}

fn max_len(system: CodeSystem) -> usize {
    match system {
        CodeSystem::Icd10cm => MAX_CODE_LEN,
        CodeSystem::Hcpcs | CodeSystem::Cpt => 5,
    }
}

fn check_shape(system: CodeSystem, b: &[u8]) -> Result<(), CodeError> {
    let n = b.len();
    match system {
        CodeSystem::Icd10cm => {
            if n < 3 {
                return Err(CodeError::TooShort { min: 3, got: n });
            }
            let range = n == 7 && b[3] == b'-';
            if b.iter()
                .enumerate()
                .any(|(i, &c)| c == b'-' && !(range && i == 3))
            {
                return Err(CodeError::BadFormat {
                    expected: "a code like E11.9 or a block like E08-E13",
                });
            }
            if !b[0].is_ascii_uppercase() || !b[1].is_ascii_digit() {
                return Err(CodeError::BadFormat {
                    expected: "a letter, a digit, then letters or digits (e.g. E11.9)",
                });
            }
            Ok(())
        }
        CodeSystem::Hcpcs => {
            if n != 5 {
                return Err(if n > 5 {
                    CodeError::TooLong { max: 5, got: n }
                } else {
                    CodeError::TooShort { min: 5, got: n }
                });
            }
            if !(b'A'..=b'V').contains(&b[0]) || !b[1..].iter().all(u8::is_ascii_digit) {
                return Err(CodeError::BadFormat {
                    expected: "a letter A-V and 4 digits (e.g. G0008)",
                });
            }
            Ok(())
        }
        CodeSystem::Cpt => {
            if n != 5 {
                return Err(if n > 5 {
                    CodeError::TooLong { max: 5, got: n }
                } else {
                    CodeError::TooShort { min: 5, got: n }
                });
            }
            if cpt_category(b).is_none() {
                return Err(CodeError::BadFormat {
                    expected:
                        "5 digits, or 4 digits and F (Category II), T (Category III) or U (PLA)",
                });
            }
            Ok(())
        }
    }
}

/// The CPT category a well-formed CPT code belongs to, judged by its shape alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CptCategory {
    /// Five digits.
    CategoryI,
    /// Four digits and F (performance measures).
    CategoryII,
    /// Four digits and T (emerging technology).
    CategoryIII,
    /// Four digits and U (proprietary laboratory analyses).
    Pla,
}

pub(crate) fn cpt_category(b: &[u8]) -> Option<CptCategory> {
    if b.len() != 5 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    match b[4] {
        b'0'..=b'9' => Some(CptCategory::CategoryI),
        b'F' => Some(CptCategory::CategoryII),
        b'T' => Some(CptCategory::CategoryIII),
        b'U' => Some(CptCategory::Pla),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dot_case_and_spaces() {
        let a = normalize(CodeSystem::Icd10cm, " e11.9 ").unwrap();
        assert_eq!(a.as_str(), "E119");
        assert_eq!(a, normalize(CodeSystem::Icd10cm, "E119").unwrap());
        assert_eq!(a.display(CodeSystem::Icd10cm), "E11.9");
        assert_eq!(
            normalize(CodeSystem::Icd10cm, "t36.0x1a").unwrap().as_str(),
            "T360X1A"
        );
        assert_eq!(
            normalize(CodeSystem::Icd10cm, "E08-E13").unwrap().as_str(),
            "E08-E13"
        );
        assert_eq!(
            normalize(CodeSystem::Hcpcs, "g0008").unwrap().as_str(),
            "G0008"
        );
        assert_eq!(
            normalize(CodeSystem::Cpt, "0001u").unwrap().as_str(),
            "0001U"
        );
    }

    #[test]
    fn rejects_with_named_problem() {
        use CodeError::*;
        assert_eq!(normalize(CodeSystem::Icd10cm, "   "), Err(Empty));
        assert_eq!(
            normalize(CodeSystem::Icd10cm, "E11.91234"),
            Err(TooLong { max: 7, got: 8 })
        );
        assert_eq!(
            normalize(CodeSystem::Icd10cm, "E1"),
            Err(TooShort { min: 3, got: 2 })
        );
        assert_eq!(
            normalize(CodeSystem::Icd10cm, "E1$9"),
            Err(IllegalCharacter {
                character: '$',
                position: 2
            })
        );
        assert_eq!(
            normalize(CodeSystem::Icd10cm, "E1.19"),
            Err(MisplacedDot { position: 2 })
        );
        assert!(matches!(
            normalize(CodeSystem::Icd10cm, "911"),
            Err(BadFormat { .. })
        ));
        assert!(matches!(
            normalize(CodeSystem::Hcpcs, "99213"),
            Err(BadFormat { .. })
        ));
        assert!(matches!(
            normalize(CodeSystem::Cpt, "9921X"),
            Err(BadFormat { .. })
        ));
        assert_eq!(
            normalize(CodeSystem::Cpt, "992134"),
            Err(TooLong { max: 5, got: 6 })
        );
    }

    #[test]
    fn cpt_categories_by_shape() {
        assert_eq!(cpt_category(b"99213"), Some(CptCategory::CategoryI));
        assert_eq!(cpt_category(b"3008F"), Some(CptCategory::CategoryII));
        assert_eq!(cpt_category(b"0042T"), Some(CptCategory::CategoryIII));
        assert_eq!(cpt_category(b"0001U"), Some(CptCategory::Pla));
        assert_eq!(cpt_category(b"A0001"), None);
    }

    #[test]
    fn prefix_and_truncate() {
        let c = normalize(CodeSystem::Icd10cm, "E11.65").unwrap();
        let p = normalize(CodeSystem::Icd10cm, "E11").unwrap();
        assert!(c.starts_with(&p));
        assert_eq!(c.truncate(3), p);
        assert!(p.key() < c.key());
    }
}
