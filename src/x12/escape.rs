//! Element values: what may go into an X12 element, and how free text is made safe.
//!
//! X12 has no escape sequence: a delimiter inside a value would end the element, component or
//! segment. medbill writes with `*` (element), `:` (component), `^` (repetition) and `~`
//! (segment). Two kinds of value are treated differently:
//!
//! - **Identifiers and codes** (NPI, EIN, member id, patient control number, procedure and
//!   diagnosis codes, control numbers, phone): never changed. A delimiter, a control or non-ASCII
//!   character, or a length outside the element's bounds is a typed error naming the field:
//!   changing an identifier would send a claim for someone else.
//! - **Free text** (names, address lines, city, contact name, payer and organisation names):
//!   sanitised, because a changed punctuation mark does not change whom the text names. Letters
//!   with Latin-1 accents are folded to their base letter (`É` -> `E`, `ß` -> `SS`), delimiters
//!   and control characters become a space, runs of spaces collapse, the text is trimmed and
//!   upper-cased (names and addresses are upper case in practice, and some payers require it),
//!   then cut at the element's maximum length. Any other non-ASCII character is an error. Text
//!   that is empty after this is an error when required.
//!
//! Email addresses keep their case (they are identifiers for a person to read) but are
//! checked like identifiers.

use super::error::Problem;

/// The delimiters medbill writes with.
pub const ELEMENT: char = '*';
/// Component (sub-element) separator, ISA16.
pub const COMPONENT: char = ':';
/// Repetition separator, ISA11.
pub const REPETITION: char = '^';
/// Segment terminator.
pub const SEGMENT: char = '~';

fn is_delimiter(c: char) -> bool {
    matches!(c, ELEMENT | COMPONENT | REPETITION | SEGMENT)
}

/// Checks an identifier or code: printable ASCII, no delimiter, `min..=max` characters.
/// Returns it unchanged.
pub fn check_id(value: &str, min: usize, max: usize) -> Result<&str, Problem> {
    for c in value.chars() {
        if is_delimiter(c) {
            return Err(Problem::Delimiter(c));
        }
        if !(' '..='~').contains(&c) {
            return Err(Problem::Character(c));
        }
    }
    let len = value.len();
    if len == 0 {
        return Err(Problem::Empty);
    }
    if len < min {
        return Err(Problem::TooShort { min });
    }
    if len > max {
        return Err(Problem::TooLong { max });
    }
    if value.starts_with(' ') || value.ends_with(' ') {
        return Err(Problem::Invalid("leading or trailing spaces"));
    }
    Ok(value)
}

/// Checks that a value is `min..=max` ASCII digits.
pub fn check_digits(value: &str, min: usize, max: usize) -> Result<&str, Problem> {
    let value = check_id(value, min, max)?;
    if value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value)
    } else {
        Err(Problem::Invalid("digits only"))
    }
}

/// Appends sanitised free text (see the module docs) to `out`, at most `max` characters.
pub fn push_text(out: &mut String, value: &str, max: usize) -> Result<(), Problem> {
    let start = out.len();
    let mut pending_space = false;
    for c in value.chars() {
        let folded: &str = if c.is_ascii() {
            if is_delimiter(c) || c.is_ascii_control() || c == ' ' {
                pending_space = true;
                continue;
            }
            ""
        } else {
            match fold(c) {
                Some(f) => f,
                None if c.is_whitespace() => {
                    pending_space = true;
                    continue;
                }
                None => {
                    out.truncate(start);
                    return Err(Problem::Character(c));
                }
            }
        };
        if pending_space && out.len() > start {
            out.push(' ');
        }
        pending_space = false;
        if folded.is_empty() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push_str(folded);
        }
    }
    if out.len() == start {
        return Err(Problem::Empty);
    }
    if out.len() - start > max {
        out.truncate(start + max);
        while out.len() > start && out.ends_with(' ') {
            out.pop();
        }
    }
    Ok(())
}

/// Sanitised free text as a new string (see [`push_text`]).
pub fn text(value: &str, max: usize) -> Result<String, Problem> {
    let mut out = String::with_capacity(value.len());
    push_text(&mut out, value, max)?;
    Ok(out)
}

/// Folds a Latin-1 letter to its upper-case ASCII base letter(s).
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' | 'à'..='å' => "A",
        'Æ' | 'æ' => "AE",
        'Ç' | 'ç' => "C",
        'È'..='Ë' | 'è'..='ë' => "E",
        'Ì'..='Ï' | 'ì'..='ï' => "I",
        'Ð' | 'ð' => "D",
        'Ñ' | 'ñ' => "N",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' => "O",
        'Ù'..='Ü' | 'ù'..='ü' => "U",
        'Ý' | 'ý' | 'ÿ' => "Y",
        'Þ' | 'þ' => "TH",
        'ß' => "SS",
        '\u{2018}' | '\u{2019}' => "'",
        '\u{2013}' | '\u{2014}' => "-",
        _ => return None,
    })
}

/// Writes cents as an X12 decimal (R type): no trailing zeros after the point, no point for
/// whole amounts, a leading minus for negatives (`12345` -> `123.45`, `10000` -> `100`,
/// `150` -> `1.5`, `5` -> `0.05`).
pub fn push_money(out: &mut String, cents: i64) {
    use std::fmt::Write;
    let abs = cents.unsigned_abs();
    if cents < 0 {
        out.push('-');
    }
    let _ = write!(out, "{}", abs / 100);
    let frac = abs % 100;
    if frac != 0 {
        if frac % 10 == 0 {
            let _ = write!(out, ".{}", frac / 10);
        } else {
            let _ = write!(out, ".{frac:02}");
        }
    }
}

/// Writes thousandths as an X12 decimal (`2500` -> `2.5`, `1000` -> `1`).
pub fn push_thousandths(out: &mut String, value: u64) {
    use std::fmt::Write;
    let _ = write!(out, "{}", value / 1000);
    let frac = value % 1000;
    if frac != 0 {
        let digits = format!("{frac:03}");
        let _ = write!(out, ".{}", digits.trim_end_matches('0'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(c: i64) -> String {
        let mut s = String::new();
        push_money(&mut s, c);
        s
    }

    #[test]
    fn money_is_minimal_decimal() {
        assert_eq!(money(12345), "123.45");
        assert_eq!(money(10000), "100");
        assert_eq!(money(150), "1.5");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(0), "0");
        assert_eq!(money(-250), "-2.5");
        let mut s = String::new();
        push_thousandths(&mut s, 2500);
        s.push(' ');
        push_thousandths(&mut s, 1000);
        s.push(' ');
        push_thousandths(&mut s, 1);
        assert_eq!(s, "2.5 1 0.001");
    }

    #[test]
    fn ids_reject_every_delimiter() {
        for d in ['*', '~', ':', '^'] {
            let v = format!("AB{d}C");
            assert_eq!(check_id(&v, 1, 10), Err(Problem::Delimiter(d)));
        }
        assert_eq!(check_id("", 1, 10), Err(Problem::Empty));
        assert_eq!(check_id("ABCDE", 1, 4), Err(Problem::TooLong { max: 4 }));
        assert_eq!(check_id("A", 2, 4), Err(Problem::TooShort { min: 2 }));
        assert_eq!(check_id("A\nB", 1, 4), Err(Problem::Character('\n')));
        assert_eq!(check_id("ÄB", 1, 4), Err(Problem::Character('Ä')));
        assert_eq!(check_id("ab-1", 1, 4), Ok("ab-1"));
        assert_eq!(
            check_digits("12a", 1, 4),
            Err(Problem::Invalid("digits only"))
        );
    }

    #[test]
    fn text_is_sanitised() {
        assert_eq!(text("  o'Brien*~ jr ", 60).as_deref(), Ok("O'BRIEN JR"));
        assert_eq!(
            text("Zoë Müller-Straße", 60).as_deref(),
            Ok("ZOE MULLER-STRASSE")
        );
        assert_eq!(text("a:b^c", 60).as_deref(), Ok("A B C"));
        assert_eq!(text("abcdef gh", 7).as_deref(), Ok("ABCDEF"));
        assert_eq!(text(" *~ ", 7), Err(Problem::Empty));
        assert_eq!(text("李", 7), Err(Problem::Character('李')));
    }
}
