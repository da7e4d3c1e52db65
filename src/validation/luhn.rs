//! The Luhn (mod 10) check digit, shared by NPIs and accession numbers. Pure: the X12 writer
//! uses it too.

/// The Luhn check digit of `digits` (ASCII digits; any other byte counts as its value minus
/// `'0'` and is the caller's to refuse first).
pub fn check_digit(digits: &[u8]) -> u8 {
    // Double every second digit counting from the right of the payload (the check digit's
    // neighbour first); a doubled digit over 9 counts as the sum of its digits (minus 9).
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0'));
            match (i % 2 == 0, d * 2) {
                (true, x) if x > 9 => x - 9,
                (true, x) => x,
                (false, _) => d,
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Whether `npi` is 10 digits whose last is the Luhn check digit over "80840" (the card issuer
/// prefix of health identifiers) + the first nine.
pub fn npi_is_valid(npi: &str) -> bool {
    let b = npi.as_bytes();
    if b.len() != 10 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut payload = *b"80840000000000";
    payload[5..].copy_from_slice(&b[..9]);
    check_digit(&payload) == b[9] - b'0'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        // The classic example: 7992739871 -> 3.
        assert_eq!(check_digit(b"7992739871"), 3);
        assert_eq!(check_digit(b""), 0);
        assert!(npi_is_valid("1234567893"));
        assert!(!npi_is_valid("1234567890"));
        assert!(!npi_is_valid("123456789"));
        assert!(!npi_is_valid("12345678a3"));
    }
}
