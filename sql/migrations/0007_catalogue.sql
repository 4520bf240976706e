-- The indicator catalogues an admin put in force (kovmon catalogue set, PUT
-- /api/catalogue, the admin page), newest last: the latest is the one the figures
-- follow, and every earlier one stays, so that an old figure's catalogue hash can be
-- looked up and a change undone.
CREATE TABLE IF NOT EXISTS catalogue_versions (
    changed_at DateTime64(3, 'UTC'),
    actor      String,
    version    String,
    sha256     FixedString(64),
    body       String
) ENGINE = MergeTree
ORDER BY changed_at;
