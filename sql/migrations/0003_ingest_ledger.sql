-- The ingest ledger: runs, the files each run took, and the rows it quarantined.
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id      String,
    trigger     LowCardinality(String),
    started_at  DateTime64(3, 'UTC'),
    finished_at Nullable(DateTime64(3, 'UTC')),
    status      LowCardinality(String),
    message     String
) ENGINE = MergeTree
ORDER BY (started_at, run_id);

CREATE TABLE IF NOT EXISTS ingest_files (
    run_id      String,
    file_id     String,
    file_name   String,
    kind        LowCardinality(String),
    size_bytes  UInt64,
    rows_read   UInt64,
    loaded      UInt64,
    duplicates  UInt64,
    quarantined UInt64,
    status      LowCardinality(String),
    message     String,
    finished_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (finished_at, file_id);

CREATE TABLE IF NOT EXISTS quarantine (
    run_id    String,
    file_id   String,
    file_name String,
    kind      LowCardinality(String),
    line      UInt64,
    column    String,
    reason    String,
    raw       String,
    at        DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (file_id, line, column);
