-- The ledger of loaded and rejected files, newest first.
SELECT toString(finished_at) AS finished, run_id, file_id, file_name, kind, size_bytes, status,
       rows_read, loaded, duplicates, quarantined, message
FROM ingest_files
ORDER BY finished_at DESC
LIMIT {limit:UInt32}
