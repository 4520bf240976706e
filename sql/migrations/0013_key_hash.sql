-- Each stored row's key hashed, kept beside it (issue 18). A load leaves out the keys
-- the table holds already, and finding them is a look-up of every stored key in the
-- set of the file's keys: for 5 M new keys over 50 M events, hashing and comparing
-- the key strings took 4.8 s and 5.5 s (two passes of 2.5 M keys), comparing a stored
-- 64-bit hash 1.1 s (one pass, all 5 M; one core, load average 1.0). The hash only
-- narrows: a key is held when a stored row has its hash and the key itself
-- (ingest/stage.go), so a collision costs a comparison, never a row.
--
-- The expression is cityHash64 of the kind's key columns in the order of
-- ingest/kinds.go; the stage hashes the file's keys with the same expression. It is
-- computed as a row is inserted; MATERIALIZE writes it into the rows stored before
-- this migration (until then it is computed as they are read: the same value).
ALTER TABLE usage ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(event_id);
ALTER TABLE feedback ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(feedback_id);
ALTER TABLE services ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(snapshot_date, ehak_code, service_code);
ALTER TABLE audits ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(audit_id);
ALTER TABLE survey_answers ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(survey_id, respondent_id, question_id);
ALTER TABLE trainings ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(event_id, ehak_code);
ALTER TABLE org_goals ADD COLUMN IF NOT EXISTS key_hash UInt64 MATERIALIZED cityHash64(year, goal_id);
ALTER TABLE usage MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;
ALTER TABLE feedback MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;
ALTER TABLE services MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;
ALTER TABLE audits MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;
ALTER TABLE survey_answers MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;
ALTER TABLE trainings MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;
ALTER TABLE org_goals MATERIALIZE COLUMN key_hash SETTINGS mutations_sync = 1;
