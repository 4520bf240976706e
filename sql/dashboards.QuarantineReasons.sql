-- Quarantined rows counted by input kind and reason, most frequent first.
SELECT kind, reason, count() AS rows, uniqExact(file_id) AS files
FROM quarantine
GROUP BY kind, reason
ORDER BY rows DESC, kind, reason
LIMIT {limit:UInt32}
