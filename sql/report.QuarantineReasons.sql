-- Quarantined rows of the whole ledger grouped by kind, column and reason (reasons are
-- short and stable, see ingest/validate.go), the most frequent first.
SELECT kind, column, reason, count() AS n
FROM quarantine
GROUP BY kind, column, reason
ORDER BY n DESC, kind, column, reason
