-- The catalogues put in force, newest first, without their text.
SELECT toString(changed_at) AS changed_at, actor, version, sha256
FROM catalogue_versions
ORDER BY changed_at DESC
LIMIT {limit:UInt32}
