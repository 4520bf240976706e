-- Counts kept at insert (issue 18). A refresh reads thousands of rows, not the
-- millions of the large sources: for usage and feedback the engine keeps, as rows
-- arrive, how many rows there are per year, recorded EHAK code, file and ingest run
-- (provenance: explain names them; a killed run's counts are rolled back with its
-- rows) and per value of every column that a definition filters on: usage by event
-- and channel (I.4), feedback by system and score (I.1, and a catalogue's own
-- indicators of feedback). The indicators' rules — which events, channels, systems,
-- scores count — stay in their definitions (sql/indicator.I1.sql, I4.sql), which read
-- these tables; so do attribution to units and boundary modes, at refresh time: a
-- registry or catalogue change needs no reload. Each column kept multiplies the rows
-- by its values (usage's system would by nine), so only those read are kept; a
-- definition that filters on another column reads the source table itself, or a
-- migration adds the column here. A table's columns but source_rows are its key,
-- summed by the engine's merges; readers sum(source_rows) over them all the same, as
-- merges are eventual.
--
-- A materialized view feeds each table from every INSERT into its source; a load that
-- attaches a stage's partitions instead (the first load into an empty table) feeds it
-- from the stage itself (ingest/aggregates.go), since views do not see an attach.
-- On a cluster both tables live on the shards beside their sources (by ehak_code),
-- and each shard's view feeds its own.
--
-- The counts of what is stored already are made here: the table is emptied first, so
-- that a migration killed midway and run again counts every row once.
CREATE TABLE IF NOT EXISTS usage_counts (
    year        UInt16,
    ehak_code   LowCardinality(String),
    event       LowCardinality(String),
    channel     LowCardinality(String),
    file_id     LowCardinality(String),
    run_id      LowCardinality(String),
    source_rows UInt64
) ENGINE = SummingMergeTree
PARTITION BY year
ORDER BY (ehak_code, event, channel, file_id, run_id);

TRUNCATE TABLE IF EXISTS usage_counts;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_counts_feed TO usage_counts AS
SELECT year, ehak_code, event, channel, file_id, run_id, count() AS source_rows
FROM usage
GROUP BY ALL;

INSERT INTO usage_counts (year, ehak_code, event, channel, file_id, run_id, source_rows)
SELECT year, ehak_code, event, channel, file_id, run_id, count() AS source_rows
FROM usage
GROUP BY ALL;

CREATE TABLE IF NOT EXISTS feedback_counts (
    year        UInt16,
    ehak_code   LowCardinality(String),
    system      LowCardinality(String),
    score       UInt8,
    file_id     LowCardinality(String),
    run_id      LowCardinality(String),
    source_rows UInt64
) ENGINE = SummingMergeTree
PARTITION BY year
ORDER BY (ehak_code, system, score, file_id, run_id);

TRUNCATE TABLE IF EXISTS feedback_counts;

CREATE MATERIALIZED VIEW IF NOT EXISTS feedback_counts_feed TO feedback_counts AS
SELECT year, ehak_code, system, score, file_id, run_id, count() AS source_rows
FROM feedback
GROUP BY ALL;

INSERT INTO feedback_counts (year, ehak_code, system, score, file_id, run_id, source_rows)
SELECT year, ehak_code, system, score, file_id, run_id, count() AS source_rows
FROM feedback
GROUP BY ALL;
