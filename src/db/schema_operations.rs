//! Diesel schema of the operations tables (issue 19).

diesel::table! {
    /// One row: bumped by every code-table import, polled by servers to reload their tables.
    codeset_version (id) {
        /// Always 1.
        id -> Integer,
        /// Number of imports so far.
        version -> BigInt,
    }
}
