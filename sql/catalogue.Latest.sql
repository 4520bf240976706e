-- The catalogue in force: the one stored last.
SELECT toString(changed_at) AS changed_at, actor, body
FROM catalogue_versions
ORDER BY changed_at DESC
LIMIT 1
