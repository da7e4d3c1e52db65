DROP TABLE sftp_downloads;
