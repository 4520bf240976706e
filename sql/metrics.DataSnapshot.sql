-- A fingerprint of the data: every file the ledger loaded rows from, with its counts.
-- Figures computed from the same snapshot and catalogue are the same.
SELECT lower(hex(SHA256(arrayStringConcat(arraySort(groupArray(concat(file_id, ':', toString(loaded), ':', toString(quarantined)))), ',')))) AS snapshot
FROM ingest_files
WHERE status = 'loaded' AND loaded > 0
