-- Files collected from the clearinghouse's SFTP outbound folder (issue 21), recorded once
-- stored in the local inbox and before the remote delete or move: a file seen again (the
-- remote delete failed, or the settings leave files in place) is not downloaded nor applied
-- a second time.
CREATE TABLE sftp_downloads (
    file_name text NOT NULL,
    -- SHA-256 of the content, lower-case hex.
    sha256 text NOT NULL,
    size_bytes bigint NOT NULL,
    downloaded_at timestamptz NOT NULL,
    PRIMARY KEY (file_name, sha256)
);
