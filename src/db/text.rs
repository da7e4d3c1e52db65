//! Text matching shared by the stores: SQL `lower()` and LIKE prefixes, the same on both
//! backends.

use diesel::sql_types::Text;

diesel::define_sql_function! {
    /// SQL `lower()`, for case-insensitive prefixes on both backends (the registries' names
    /// are ASCII, where SQLite's and PostgreSQL's `lower()` agree).
    fn lower(x: Text) -> Text;
}

/// The LIKE pattern of "starts with `s`": wildcards in `s` escaped with `\` (so user input
/// matches literally; pair it with `.escape('\\')`), then `%`.
pub fn like_prefix(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_prefix_escapes_wildcards() {
        assert_eq!(super::like_prefix("ab"), "ab%");
        assert_eq!(super::like_prefix("a%b_c\\"), "a\\%b\\_c\\\\%");
    }
}
