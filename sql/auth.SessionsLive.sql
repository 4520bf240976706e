-- The sessions neither ended nor expired: what a restarted server takes back.
SELECT id_sha256, argMax(user, at) AS user, argMax(role, at) AS role, argMax(csrf, at) AS csrf,
       toUnixTimestamp64Milli(max(expires)) AS expires_ms
FROM sessions
GROUP BY id_sha256
HAVING max(ended) = 0 AND max(expires) > now64(3)
