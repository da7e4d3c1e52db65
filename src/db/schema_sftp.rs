//! Diesel schema of the SFTP collection record (issue 21; SQL in
//! migrations/*/2026-12-01-000501_sftp_downloads).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::types::*;

    /// One row per file collected from the clearinghouse's outbound folder.
    sftp_downloads (file_name, sha256) {
        /// The remote file name.
        file_name -> Text,
        /// SHA-256 of the content (hex).
        sha256 -> Text,
        /// Its size.
        size_bytes -> BigInt,
        /// When it was stored in the local inbox.
        downloaded_at -> PortableTimestamp,
    }
}
