-- The sha256 of the catalogue in force (none: the shipped one is).
SELECT sha256
FROM catalogue_versions
ORDER BY changed_at DESC
LIMIT 1
