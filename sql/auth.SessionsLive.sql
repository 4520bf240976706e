-- The sessions neither ended nor expired: what a restarted server takes back.
SELECT id_sha256, argMax(user, at), argMax(role, at), argMax(csrf, at), toUnixTimestamp64Milli(max(expires))
FROM sessions
GROUP BY id_sha256
HAVING max(ended) = 0 AND max(expires) > now64(3)
