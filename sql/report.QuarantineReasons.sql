-- Quarantined rows of the whole ledger grouped by kind, column and reason (reasons are
-- short and stable, see ingest/validate.go), the most frequent first; whole counts
-- (quarantine_counts), as the quarantine keeps a sample of each file's rows.
SELECT kind, column, reason, sum(rows) AS n
FROM quarantine_counts
GROUP BY kind, column, reason
ORDER BY n DESC, kind, column, reason
