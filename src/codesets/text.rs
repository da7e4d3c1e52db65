//! Word normalisation shared by the search index and the queries: case, British spellings,
//! plurals and possessives, so that "Anaemias" and "anemia" are the same word on both sides.

use std::borrow::Cow;

/// Words that carry no meaning for search: dropped from queries (unless the query has nothing
/// else) and not counted as "extra" words of a title.
pub(crate) const STOPWORDS: [&str; 14] = [
    "a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "due",
];

/// Words that say a code is the general one ("unspecified", "NOS"): they do not make a title a
/// worse match, and they mark the default child of a header.
pub(crate) const GENERAL_WORDS: [&str; 7] = [
    "unspecified",
    "nos",
    "without",
    "uncomplicated",
    "site",
    "unspecific",
    "not",
];

/// True for a stop word (already normalised).
pub(crate) fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

/// Split text into normalised words: alphanumeric runs, lower-cased, apostrophes dropped
/// ("Crohn's" -> "crohn"), British spellings and plurals folded.
pub(crate) fn words(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}'))
        .filter(|w| !w.is_empty())
        .filter_map(|w| {
            let w = w.trim_matches(|c| c == '\'' || c == '\u{2019}');
            (!w.is_empty()).then(|| normalize_word(w))
        })
}

/// Normalise one word (see [`words`]).
pub(crate) fn normalize_word(w: &str) -> Cow<'_, str> {
    let plain = w
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let mut s: Cow<'_, str> = if plain {
        Cow::Borrowed(w)
    } else {
        Cow::Owned(
            w.chars()
                .filter(|&c| c != '\'' && c != '\u{2019}')
                .flat_map(char::to_lowercase)
                .collect(),
        )
    };
    // A possessive written without its apostrophe ("crohns") folds like a plural.
    s = british(s);
    singular(s)
}

/// Fold common British spellings to the US spelling ICD-10-CM uses.
fn british(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.len() < 4 || !(s.contains("ae") || s.contains("oe") || s.ends_with("our")) {
        return s;
    }
    let mut out = s.replace("ae", "e");
    // "oe" -> "e" (oedema, oesophagus, diarrhoea, dyspnoea, coeliac) but not "shoe", "toe".
    if out.len() > 4 && !out.ends_with("oe") {
        out = out.replace("oe", "e");
    }
    if let Some(stem) = out.strip_suffix("our").filter(|s| s.len() >= 3) {
        // tumour -> tumor, behaviour -> behavior (not "four", "hour").
        out = format!("{stem}or");
    }
    Cow::Owned(out)
}

/// Fold a plural to its singular: "stones" -> "stone", "allergies" -> "allergy",
/// "sinuses" -> "sinus"; words ending in -ss, -us, -is, -ous stay as they are.
fn singular(s: Cow<'_, str>) -> Cow<'_, str> {
    let n = s.len();
    if n <= 3 || !s.ends_with('s') || !s.is_ascii() {
        return s;
    }
    for keep in ["ss", "us", "is", "ous", "ics", "ys"] {
        if s.ends_with(keep) {
            return s;
        }
    }
    if let Some(stem) = s.strip_suffix("ies").filter(|st| st.len() >= 3) {
        return Cow::Owned(format!("{stem}y"));
    }
    for es in ["sses", "shes", "ches", "xes", "uses"] {
        if s.ends_with(es) {
            return Cow::Owned(s[..n - 2].to_string());
        }
    }
    Cow::Owned(s[..n - 1].to_string())
}

/// True if `a` and `b` differ by exactly one edit: one letter inserted, deleted, replaced, or two
/// neighbouring letters swapped (Damerau). Equal strings are not one edit apart.
pub(crate) fn one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[p..], &b[p..]);
    match ra.len().cmp(&rb.len()) {
        std::cmp::Ordering::Equal => {
            ra[1..] == rb[1..]
                || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        std::cmp::Ordering::Greater => ra[1..] == *rb,
        std::cmp::Ordering::Less => *ra == rb[1..],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        words(s).map(|c| c.into_owned()).collect()
    }

    #[test]
    fn folds_case_british_plurals_and_possessives() {
        assert_eq!(w("Anaemia"), ["anemia"]);
        assert_eq!(w("oesophagitis, diarrhoea"), ["esophagitis", "diarrhea"]);
        assert_eq!(w("Haemorrhoids"), ["hemorrhoid"]);
        assert_eq!(w("kidney stones"), ["kidney", "stone"]);
        assert_eq!(w("allergies"), ["allergy"]);
        assert_eq!(w("Crohn's disease"), ["crohn", "disease"]);
        assert_eq!(w("brain tumour"), ["brain", "tumor"]);
        assert_eq!(w("diabetes mellitus"), ["diabete", "mellitus"]);
        assert_eq!(w("tuberculosis sinuses"), ["tuberculosis", "sinus"]);
        assert_eq!(w("a-fib N/V"), ["a", "fib", "n", "v"]);
        assert_eq!(w("toe shoe four"), ["toe", "shoe", "four"]);
    }

    #[test]
    fn one_edit_covers_typos_but_not_equal_or_far_words() {
        assert!(one_edit("pnuemonia", "pneumonia"));
        assert!(one_edit("hypertenson", "hypertension"));
        assert!(one_edit("asthama", "asthma"));
        assert!(one_edit("diabetis", "diabetes"));
        assert!(!one_edit("asthma", "asthma"));
        assert!(!one_edit("pnemnia", "pneumonia"));
    }
}
