-- Signed-in browser sessions, so that a restart does not sign everyone out. A session
-- is known by the SHA-256 of its cookie, never the cookie itself: whoever reads this
-- table cannot act as anyone. Sign-out writes a later row with ended = 1; the newest
-- row of a session wins.
CREATE TABLE IF NOT EXISTS sessions (
    id_sha256 FixedString(64),
    user      String,
    role      LowCardinality(String),
    csrf      String,
    expires   DateTime64(3, 'UTC'),
    ended     UInt8,
    at        DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(at)
ORDER BY id_sha256
TTL toDateTime(expires) + INTERVAL 1 DAY;
