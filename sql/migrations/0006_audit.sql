-- The audit log: who did what to which object, when, and how it ended (logins,
-- logouts, uploads, scheduled-job runs started by hand, refused requests of a signed-in
-- user). The ingest ledger says what happened to each file; this says who asked.
CREATE TABLE IF NOT EXISTS audit_log (
    at      DateTime64(3, 'UTC'),
    actor   String,
    role    LowCardinality(String),
    client  String,
    action  LowCardinality(String),
    object  String,
    outcome LowCardinality(String),
    detail  String
) ENGINE = MergeTree
PARTITION BY toYear(at)
ORDER BY (at, action);
