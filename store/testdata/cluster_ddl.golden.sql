-- 0001_registry
CREATE TABLE IF NOT EXISTS municipalities ON CLUSTER `kovmon_cluster` (
    ehak_code    String,
    name         String,
    type         LowCardinality(String),
    county_code  String,
    county_name  String,
    valid_from   Nullable(Date),
    valid_to     Nullable(Date),
    population   Nullable(UInt32),
    file_id      LowCardinality(String),
    run_id       LowCardinality(String)
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/{database}/municipalities', '{shard}-{replica}')
ORDER BY (ehak_code, ifNull(valid_from, toDate('1970-01-01')))
SETTINGS allow_nullable_key = 1;

CREATE TABLE IF NOT EXISTS mergers ON CLUSTER `kovmon_cluster` (
    old_ehak_code  String,
    new_ehak_code  String,
    effective_date Date,
    area_share     Float64,
    file_id        LowCardinality(String),
    run_id         LowCardinality(String)
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/{database}/mergers', '{shard}-{replica}')
ORDER BY (old_ehak_code, new_ehak_code);

CREATE TABLE IF NOT EXISTS attribution ON CLUSTER `kovmon_cluster` (
    boundaries    LowCardinality(String),
    year          UInt16,
    boundary_date Date,
    ehak_code     String,
    unit_code     String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/{database}/attribution', '{shard}-{replica}')
ORDER BY (boundaries, year, ehak_code);

-- 0002_measurements
CREATE TABLE IF NOT EXISTS usage_local ON CLUSTER `kovmon_cluster` (
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
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/usage_local', '{replica}')
PARTITION BY year
ORDER BY (ehak_code, event, channel, event_id);

CREATE TABLE IF NOT EXISTS usage ON CLUSTER `kovmon_cluster` AS usage_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), usage_local, cityHash64(ehak_code));

CREATE TABLE IF NOT EXISTS feedback_local ON CLUSTER `kovmon_cluster` (
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
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/feedback_local', '{replica}')
PARTITION BY year
ORDER BY (ehak_code, system, feedback_id);

CREATE TABLE IF NOT EXISTS feedback ON CLUSTER `kovmon_cluster` AS feedback_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), feedback_local, cityHash64(ehak_code));

CREATE TABLE IF NOT EXISTS services_local ON CLUSTER `kovmon_cluster` (
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
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/services_local', '{replica}')
PARTITION BY year
ORDER BY (ehak_code, snapshot_date, service_code);

CREATE TABLE IF NOT EXISTS services ON CLUSTER `kovmon_cluster` AS services_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), services_local, cityHash64(ehak_code));

CREATE TABLE IF NOT EXISTS audits_local ON CLUSTER `kovmon_cluster` (
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
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/audits_local', '{replica}')
PARTITION BY year
ORDER BY (ehak_code, audit_date, audit_id);

CREATE TABLE IF NOT EXISTS audits ON CLUSTER `kovmon_cluster` AS audits_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), audits_local, cityHash64(ehak_code));

CREATE TABLE IF NOT EXISTS survey_answers_local ON CLUSTER `kovmon_cluster` (
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
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/survey_answers_local', '{replica}')
PARTITION BY year
ORDER BY (question_id, ehak_code, survey_id, respondent_id);

CREATE TABLE IF NOT EXISTS survey_answers ON CLUSTER `kovmon_cluster` AS survey_answers_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), survey_answers_local, cityHash64(ehak_code));

CREATE TABLE IF NOT EXISTS trainings_local ON CLUSTER `kovmon_cluster` (
    event_id     String,
    event_date   Date,
    year         UInt16,
    ehak_code    LowCardinality(String),
    kind         LowCardinality(String),
    participants UInt32,
    file_id      LowCardinality(String),
    run_id       LowCardinality(String),
    line         UInt64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/trainings_local', '{replica}')
PARTITION BY year
ORDER BY (ehak_code, event_date, event_id);

CREATE TABLE IF NOT EXISTS trainings ON CLUSTER `kovmon_cluster` AS trainings_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), trainings_local, cityHash64(ehak_code));

CREATE TABLE IF NOT EXISTS org_goals_local ON CLUSTER `kovmon_cluster` (
    year        UInt16,
    goal_id     String,
    description String,
    achieved    Bool,
    file_id     LowCardinality(String),
    run_id      LowCardinality(String),
    line        UInt64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/org_goals_local', '{replica}')
ORDER BY (year, goal_id);

CREATE TABLE IF NOT EXISTS org_goals ON CLUSTER `kovmon_cluster` AS org_goals_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), org_goals_local, cityHash64(year));

-- 0003_ingest_ledger
CREATE TABLE IF NOT EXISTS ingest_runs_local ON CLUSTER `kovmon_cluster` (
    run_id      String,
    trigger     LowCardinality(String),
    started_at  DateTime64(3, 'UTC'),
    finished_at Nullable(DateTime64(3, 'UTC')),
    status      LowCardinality(String),
    message     String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/ingest_runs_local', '{replica}')
ORDER BY (started_at, run_id);

CREATE TABLE IF NOT EXISTS ingest_runs ON CLUSTER `kovmon_cluster` AS ingest_runs_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), ingest_runs_local, cityHash64(run_id));

CREATE TABLE IF NOT EXISTS ingest_files_local ON CLUSTER `kovmon_cluster` (
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
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/ingest_files_local', '{replica}')
ORDER BY (finished_at, file_id);

CREATE TABLE IF NOT EXISTS ingest_files ON CLUSTER `kovmon_cluster` AS ingest_files_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), ingest_files_local, cityHash64(file_id));

CREATE TABLE IF NOT EXISTS quarantine_local ON CLUSTER `kovmon_cluster` (
    run_id    String,
    file_id   String,
    file_name String,
    kind      LowCardinality(String),
    line      UInt64,
    column    String,
    reason    String,
    raw       String,
    at        DateTime64(3, 'UTC')
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/quarantine_local', '{replica}')
ORDER BY (file_id, line, column);

CREATE TABLE IF NOT EXISTS quarantine ON CLUSTER `kovmon_cluster` AS quarantine_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), quarantine_local, cityHash64(file_id));

-- 0004_indicators
CREATE TABLE IF NOT EXISTS indicator_values_local ON CLUSTER `kovmon_cluster` (
    refresh_id        String,
    boundaries        LowCardinality(String),
    indicator_id      LowCardinality(String),
    year              UInt16,
    level             LowCardinality(String),
    ehak_code         String,
    name              String,
    county_code       String,
    unit_type         LowCardinality(String),
    value             Nullable(Float64),
    numerator         UInt64,
    denominator       UInt64,
    coverage          Nullable(Float64),
    target            Nullable(Float64),
    status            LowCardinality(String),
    flags             String,
    ci_low            Nullable(Float64),
    ci_high           Nullable(Float64),
    catalogue_version String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/indicator_values_local', '{replica}')
PARTITION BY refresh_id
ORDER BY (boundaries, indicator_id, year, level, ehak_code);

CREATE TABLE IF NOT EXISTS indicator_values ON CLUSTER `kovmon_cluster` AS indicator_values_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), indicator_values_local, cityHash64(ehak_code));

CREATE TABLE IF NOT EXISTS indicator_forecasts_local ON CLUSTER `kovmon_cluster` (
    refresh_id   String,
    boundaries   LowCardinality(String),
    indicator_id LowCardinality(String),
    level        LowCardinality(String),
    ehak_code    String,
    year         UInt16,
    value        Float64,
    low80        Float64,
    high80       Float64,
    p_reach      Nullable(Float64),
    target       Nullable(Float64),
    method       String,
    points       UInt16
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/indicator_forecasts_local', '{replica}')
PARTITION BY refresh_id
ORDER BY (boundaries, indicator_id, level, ehak_code, year);

CREATE TABLE IF NOT EXISTS indicator_forecasts ON CLUSTER `kovmon_cluster` AS indicator_forecasts_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), indicator_forecasts_local, cityHash64(ehak_code));

CREATE TABLE IF NOT EXISTS indicator_refreshes_local ON CLUSTER `kovmon_cluster` (
    refresh_id        String,
    started_at        DateTime64(3, 'UTC'),
    finished_at       DateTime64(3, 'UTC'),
    catalogue_version String,
    catalogue_hash    String,
    data_snapshot     String,
    figures           UInt64,
    seconds           Float64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/indicator_refreshes_local', '{replica}')
ORDER BY finished_at;

CREATE TABLE IF NOT EXISTS indicator_refreshes ON CLUSTER `kovmon_cluster` AS indicator_refreshes_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), indicator_refreshes_local, cityHash64(refresh_id));

-- 0005_indicator_views
CREATE VIEW IF NOT EXISTS survey_latest ON CLUSTER `kovmon_cluster` AS
SELECT s.year AS year, a.unit_code AS unit,
       lower(trimBoth(argMax(s.answer, (s.submitted_at, s.respondent_id, s.survey_id)))) AS answer
FROM survey_answers AS s
INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
    ON a.year = s.year AND a.ehak_code = s.ehak_code
WHERE s.question_id = {question:String}
GROUP BY year, unit;

CREATE VIEW IF NOT EXISTS services_latest ON CLUSTER `kovmon_cluster` AS
SELECT year, unit,
       argMax(eform_services, snapshot_date) AS eform_services,
       argMax(eform_incomplete, snapshot_date) AS eform_incomplete,
       argMax(eservices, snapshot_date) AS eservices
FROM (
    SELECT s.year AS year, a.unit_code AS unit, s.snapshot_date AS snapshot_date,
           countIf(s.has_eform) AS eform_services,
           countIf(s.has_eform AND NOT (s.described AND s.in_gateway)) AS eform_incomplete,
           countIf(s.has_eform AND s.in_gateway) AS eservices
    FROM services AS s
    INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
        ON a.year = s.year AND a.ehak_code = s.ehak_code
    GROUP BY year, unit, snapshot_date
)
GROUP BY year, unit;

-- 0006_audit
CREATE TABLE IF NOT EXISTS audit_log_local ON CLUSTER `kovmon_cluster` (
    at      DateTime64(3, 'UTC'),
    actor   String,
    role    LowCardinality(String),
    client  String,
    action  LowCardinality(String),
    object  String,
    outcome LowCardinality(String),
    detail  String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/audit_log_local', '{replica}')
PARTITION BY toYear(at)
ORDER BY (at, action);

CREATE TABLE IF NOT EXISTS audit_log ON CLUSTER `kovmon_cluster` AS audit_log_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), audit_log_local, cityHash64(actor));

-- 0007_catalogue
CREATE TABLE IF NOT EXISTS catalogue_versions ON CLUSTER `kovmon_cluster` (
    changed_at DateTime64(3, 'UTC'),
    actor      String,
    version    String,
    sha256     FixedString(64),
    body       String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/{database}/catalogue_versions', '{shard}-{replica}')
ORDER BY changed_at;

-- 0008_sessions
CREATE TABLE IF NOT EXISTS sessions_local ON CLUSTER `kovmon_cluster` (
    id_sha256 FixedString(64),
    user      String,
    role      LowCardinality(String),
    csrf      String,
    expires   DateTime64(3, 'UTC'),
    ended     UInt8,
    at        DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/sessions_local', '{replica}', at)
ORDER BY id_sha256
TTL toDateTime(expires) + INTERVAL 1 DAY;

CREATE TABLE IF NOT EXISTS sessions ON CLUSTER `kovmon_cluster` AS sessions_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), sessions_local, cityHash64(id_sha256));

-- 0009_services_distinct_codes
DROP VIEW IF EXISTS services_latest ON CLUSTER `kovmon_cluster`;

CREATE VIEW IF NOT EXISTS services_latest ON CLUSTER `kovmon_cluster` AS
SELECT year, unit,
       argMax(eform_services, snapshot_date) AS eform_services,
       argMax(eform_incomplete, snapshot_date) AS eform_incomplete,
       argMax(eservices, snapshot_date) AS eservices
FROM (
    SELECT s.year AS year, a.unit_code AS unit, s.snapshot_date AS snapshot_date,
           countIf(s.has_eform) AS eform_services,
           countIf(s.has_eform AND NOT (s.described AND s.in_gateway)) AS eform_incomplete,
           uniqExactIf(s.service_code, s.has_eform AND s.in_gateway) AS eservices
    FROM services AS s
    INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
        ON a.year = s.year AND a.ehak_code = s.ehak_code
    GROUP BY year, unit, snapshot_date
)
GROUP BY year, unit;

-- 0010_indicator_rows
CREATE TABLE IF NOT EXISTS indicator_rows_local ON CLUSTER `kovmon_cluster` (
    refresh_id    String,
    boundaries    LowCardinality(String),
    indicator_id  LowCardinality(String),
    year          UInt16,
    unit          String,
    recorded_code String,
    file_id       String,
    run_id        String,
    source_rows   UInt64,
    numerator     UInt64,
    denominator   UInt64,
    meets         UInt8,
    in_figures    UInt8
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/indicator_rows_local', '{replica}')
PARTITION BY refresh_id
ORDER BY (boundaries, indicator_id, year, unit, file_id, run_id, recorded_code);

CREATE TABLE IF NOT EXISTS indicator_rows ON CLUSTER `kovmon_cluster` AS indicator_rows_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), indicator_rows_local, cityHash64(unit));

DROP VIEW IF EXISTS survey_latest ON CLUSTER `kovmon_cluster`;

DROP VIEW IF EXISTS services_latest ON CLUSTER `kovmon_cluster`;

-- 0011_quarantine_counts
CREATE TABLE IF NOT EXISTS quarantine_counts_local ON CLUSTER `kovmon_cluster` (
    run_id    String,
    file_id   String,
    file_name String,
    kind      LowCardinality(String),
    column    String,
    reason    String,
    rows      UInt64,
    at        DateTime64(3, 'UTC')
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/quarantine_counts_local', '{replica}')
ORDER BY (file_id, column, reason);

CREATE TABLE IF NOT EXISTS quarantine_counts ON CLUSTER `kovmon_cluster` AS quarantine_counts_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), quarantine_counts_local, cityHash64(file_id));

INSERT INTO quarantine_counts (run_id, file_id, file_name, kind, column, reason, rows, at)
SELECT any(run_id), file_id, any(file_name), any(kind), column, reason, count(), max(at)
FROM quarantine
GROUP BY file_id, column, reason;

-- 0012_source_counts
CREATE TABLE IF NOT EXISTS usage_counts_local ON CLUSTER `kovmon_cluster` (
    year        UInt16,
    ehak_code   LowCardinality(String),
    event       LowCardinality(String),
    channel     LowCardinality(String),
    file_id     LowCardinality(String),
    run_id      LowCardinality(String),
    source_rows UInt64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/usage_counts_local', '{replica}')
PARTITION BY year
ORDER BY (ehak_code, event, channel, file_id, run_id);

CREATE TABLE IF NOT EXISTS usage_counts ON CLUSTER `kovmon_cluster` AS usage_counts_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), usage_counts_local, cityHash64(ehak_code));

TRUNCATE TABLE IF EXISTS usage_counts_local ON CLUSTER `kovmon_cluster`;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_counts_feed ON CLUSTER `kovmon_cluster` TO usage_counts_local AS
SELECT year, ehak_code, event, channel, file_id, run_id, count() AS source_rows
FROM usage_local
GROUP BY ALL;

INSERT INTO usage_counts (year, ehak_code, event, channel, file_id, run_id, source_rows)
SELECT year, ehak_code, event, channel, file_id, run_id, count() AS source_rows
FROM usage
GROUP BY ALL;

CREATE TABLE IF NOT EXISTS feedback_counts_local ON CLUSTER `kovmon_cluster` (
    year        UInt16,
    ehak_code   LowCardinality(String),
    system      LowCardinality(String),
    score       UInt8,
    file_id     LowCardinality(String),
    run_id      LowCardinality(String),
    source_rows UInt64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/feedback_counts_local', '{replica}')
PARTITION BY year
ORDER BY (ehak_code, system, score, file_id, run_id);

CREATE TABLE IF NOT EXISTS feedback_counts ON CLUSTER `kovmon_cluster` AS feedback_counts_local
ENGINE = Distributed(`kovmon_cluster`, currentDatabase(), feedback_counts_local, cityHash64(ehak_code));

TRUNCATE TABLE IF EXISTS feedback_counts_local ON CLUSTER `kovmon_cluster`;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_counts_feed ON CLUSTER `kovmon_cluster` TO feedback_counts_local AS
SELECT year, ehak_code, system, score, file_id, run_id, count() AS source_rows
FROM feedback_local
GROUP BY ALL;

INSERT INTO feedback_counts (year, ehak_code, system, score, file_id, run_id, source_rows)
SELECT year, ehak_code, system, score, file_id, run_id, count() AS source_rows
FROM feedback
GROUP BY ALL;

-- 0013_key_hash
ALTER TABLE usage_local ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(event_id);

ALTER TABLE usage ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(event_id);

ALTER TABLE feedback_local ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(feedback_id);

ALTER TABLE feedback ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(feedback_id);

ALTER TABLE services_local ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(snapshot_date, ehak_code, service_code);

ALTER TABLE services ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(snapshot_date, ehak_code, service_code);

ALTER TABLE audits_local ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(audit_id);

ALTER TABLE audits ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(audit_id);

ALTER TABLE survey_answers_local ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(survey_id, respondent_id, question_id);

ALTER TABLE survey_answers ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(survey_id, respondent_id, question_id);

ALTER TABLE trainings_local ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(event_id, ehak_code);

ALTER TABLE trainings ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(event_id, ehak_code);

ALTER TABLE org_goals_local ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(year, goal_id);

ALTER TABLE org_goals ON CLUSTER `kovmon_cluster` ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(year, goal_id);

ALTER TABLE usage_local ON CLUSTER `kovmon_cluster` MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;

ALTER TABLE feedback_local ON CLUSTER `kovmon_cluster` MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;

ALTER TABLE services_local ON CLUSTER `kovmon_cluster` MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;

ALTER TABLE audits_local ON CLUSTER `kovmon_cluster` MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;

ALTER TABLE survey_answers_local ON CLUSTER `kovmon_cluster` MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;

ALTER TABLE trainings_local ON CLUSTER `kovmon_cluster` MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;

ALTER TABLE org_goals_local ON CLUSTER `kovmon_cluster` MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;

