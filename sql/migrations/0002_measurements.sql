-- Measurement tables (spec/data-contract.md). Every row keeps the file and the ingest
-- run it came from (provenance) and `line`, its line in that file. `year` is the
-- calendar year in Europe/Tallinn, worked out on load.
CREATE TABLE IF NOT EXISTS usage (
    event_id     String,
    event_time   DateTime64(3, 'UTC'),
    year         UInt16,
    ehak_code    LowCardinality(String),
    system       LowCardinality(String),
    service_code String,
    channel      LowCardinality(String),
    event        LowCardinality(String),
    session_id   String,
    user_hash    String,
    duration_ms  Nullable(UInt64),
    file_id      LowCardinality(String),
    run_id       LowCardinality(String),
    line         UInt64
) ENGINE = MergeTree
PARTITION BY year
ORDER BY (ehak_code, event, channel, event_id);

CREATE TABLE IF NOT EXISTS feedback (
    feedback_id  String,
    submitted_at DateTime64(3, 'UTC'),
    year         UInt16,
    ehak_code    LowCardinality(String),
    system       LowCardinality(String),
    service_code String,
    score        UInt8,
    comment      String,
    file_id      LowCardinality(String),
    run_id       LowCardinality(String),
    line         UInt64
) ENGINE = MergeTree
PARTITION BY year
ORDER BY (ehak_code, system, feedback_id);

CREATE TABLE IF NOT EXISTS services (
    snapshot_date Date,
    year          UInt16,
    ehak_code     LowCardinality(String),
    service_code  String,
    service_name  String,
    has_eform     Bool,
    described     Bool,
    in_gateway    Bool,
    file_id       LowCardinality(String),
    run_id        LowCardinality(String),
    line          UInt64
) ENGINE = MergeTree
PARTITION BY year
ORDER BY (ehak_code, snapshot_date, service_code);

CREATE TABLE IF NOT EXISTS audits (
    audit_id        String,
    audit_date      Date,
    year            UInt16,
    ehak_code       LowCardinality(String),
    iske_level      LowCardinality(String),
    result          LowCardinality(String),
    findings_total  UInt32,
    findings_open   UInt32,
    infra_consulted Bool,
    file_id         LowCardinality(String),
    run_id          LowCardinality(String),
    line            UInt64
) ENGINE = MergeTree
PARTITION BY year
ORDER BY (ehak_code, audit_date, audit_id);

CREATE TABLE IF NOT EXISTS survey_answers (
    survey_id     LowCardinality(String),
    year          UInt16,
    ehak_code     LowCardinality(String),
    respondent_id String,
    submitted_at  DateTime64(3, 'UTC'),
    question_id   LowCardinality(String),
    answer        String,
    file_id       LowCardinality(String),
    run_id        LowCardinality(String),
    line          UInt64
) ENGINE = MergeTree
PARTITION BY year
ORDER BY (question_id, ehak_code, survey_id, respondent_id);

CREATE TABLE IF NOT EXISTS trainings (
    event_id     String,
    event_date   Date,
    year         UInt16,
    ehak_code    LowCardinality(String),
    kind         LowCardinality(String),
    participants UInt32,
    file_id      LowCardinality(String),
    run_id       LowCardinality(String),
    line         UInt64
) ENGINE = MergeTree
PARTITION BY year
ORDER BY (ehak_code, event_date, event_id);

CREATE TABLE IF NOT EXISTS org_goals (
    year        UInt16,
    goal_id     String,
    description String,
    achieved    Bool,
    file_id     LowCardinality(String),
    run_id      LowCardinality(String),
    line        UInt64
) ENGINE = MergeTree
ORDER BY (year, goal_id);
