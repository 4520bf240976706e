-- How many rows of each file were quarantined, per column and reason. The quarantine
-- keeps a sample of each file's rows (the first ingest.QuarantineSample by line), so
-- that a file of millions of bad rows costs no more than one of thousands; these
-- counts are whole, for the summaries of the data page and the report. The rows
-- already quarantined are counted here once, as the table is made.
CREATE TABLE IF NOT EXISTS quarantine_counts (
    run_id    String,
    file_id   String,
    file_name String,
    kind      LowCardinality(String),
    column    String,
    reason    String,
    rows      UInt64,
    at        DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (file_id, column, reason);

INSERT INTO quarantine_counts (run_id, file_id, file_name, kind, column, reason, rows, at)
SELECT any(run_id), file_id, any(file_name), any(kind), column, reason, count(), max(at)
FROM quarantine
GROUP BY file_id, column, reason;
