//! Code 128 (ISO/IEC 15417) encoder, subsets B and C: symbol values with the mod 103 check
//! symbol, and the bar/space module widths a printer or renderer draws.

/// Bar/space widths (in modules, bar first) of symbol values 0..=105; each sums to 11.
pub const PATTERNS: [&str; 106] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232",
];
/// The stop pattern (7 elements, 13 modules).
pub const STOP: &str = "2331112";
/// Start symbol of subset B.
pub const START_B: u8 = 104;
/// Start symbol of subset C.
pub const START_C: u8 = 105;
/// Switch to subset B (from C).
pub const CODE_B: u8 = 100;
/// Quiet zone on each side, in modules.
pub const QUIET: usize = 10;

/// The mod 103 check symbol of `values` (start symbol first).
pub fn check_symbol(values: &[u8]) -> u8 {
    let sum: u32 = values
        .iter()
        .enumerate()
        .map(|(i, v)| u32::from(*v) * (i as u32).max(1))
        .sum();
    (sum % 103) as u8
}

/// Symbol values of `data` (start, data, check; the stop is added by [`widths`]): subset C
/// for digit pairs, subset B for printable ASCII (a trailing odd digit switches to B).
/// None when `data` is empty or has a character outside ASCII 32..=126.
pub fn encode(data: &str) -> Option<Vec<u8>> {
    let bytes = data.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(|b| (32..=126).contains(b)) {
        return None;
    }
    let mut v = Vec::with_capacity(bytes.len() + 3);
    if bytes.len() >= 2 && bytes.iter().all(u8::is_ascii_digit) {
        v.push(START_C);
        let pairs = bytes.len() / 2;
        for p in bytes.chunks(2).take(pairs) {
            v.push((p[0] - b'0') * 10 + (p[1] - b'0'));
        }
        if bytes.len() % 2 == 1 {
            v.push(CODE_B);
            v.push(bytes[bytes.len() - 1] - 32);
        }
    } else {
        v.push(START_B);
        v.extend(bytes.iter().map(|b| b - 32));
    }
    v.push(check_symbol(&v));
    Some(v)
}

/// Element widths in modules (bar, space, bar, ...) of `values` followed by the stop.
pub fn widths(values: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 6 + 7);
    for v in values {
        if let Some(p) = PATTERNS.get(usize::from(*v)) {
            out.extend(p.bytes().map(|b| b - b'0'));
        }
    }
    out.extend(STOP.bytes().map(|b| b - b'0'));
    out
}

/// The bars of `data` as (start module, width in modules), quiet zone included in the offsets.
pub fn bars(data: &str) -> Option<(Vec<(usize, usize)>, usize)> {
    let w = widths(&encode(data)?);
    let mut x = QUIET;
    let mut out = Vec::with_capacity(w.len() / 2 + 1);
    for (i, width) in w.iter().enumerate() {
        let width = usize::from(*width);
        if i % 2 == 0 {
            out.push((x, width));
        }
        x += width;
    }
    Some((out, x + QUIET))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for p in PATTERNS {
            assert_eq!(
                p.bytes().map(|b| u32::from(b - b'0')).sum::<u32>(),
                11,
                "{p}"
            );
            assert!(seen.insert(p));
        }
        assert_eq!(STOP.bytes().map(|b| u32::from(b - b'0')).sum::<u32>(), 13);
    }

    #[test]
    fn encodes_digits_in_subset_c() {
        // By hand: 104 + 48*1 + 42*2 + 42*3 + 17*4 + 18*5 + 19*6 + 35*7 = 879; 879 mod 103 = 55.
        let v = encode("PJJ123C").unwrap_or_default();
        assert_eq!(v.first(), Some(&START_B));
        assert_eq!(v.last(), Some(&55));
        let v = encode("2600000018").unwrap_or_default();
        assert_eq!(v[..6], [START_C, 26, 0, 0, 0, 18]);
        assert_eq!(
            encode("123").unwrap_or_default()[..4],
            [START_C, 12, CODE_B, 19]
        );
        assert!(encode("").is_none());
        assert!(encode("é").is_none());
    }
}
