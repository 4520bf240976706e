-- The audit log, newest first: the entries written by the web layer (logins, uploads
-- with their user, …) and, from the ingest ledger, every file loaded from the command
-- line or by a schedule, whose actor is the trigger. Uploads ('http') are left out of
-- the ledger half: their audit entry already names the user and the run.
SELECT at, actor, role, client, action, object, outcome, detail FROM (
    SELECT toString(at) AS at, actor, role, client, action, object, outcome, detail
    FROM audit_log
    UNION ALL
    SELECT toString(f.finished_at) AS at, concat('ingest:', r.trigger) AS actor, '' AS role, '' AS client,
           'load' AS action, concat(f.kind, '/', f.file_name, ' sha256:', f.file_id) AS object, toString(f.status) AS outcome,
           concat('run ', f.run_id, ': ', toString(f.loaded), ' rows loaded, ', toString(f.duplicates), ' duplicates, ',
                  toString(f.quarantined), ' quarantined') AS detail
    FROM ingest_files AS f
    INNER JOIN (SELECT run_id, any(trigger) AS trigger FROM ingest_runs GROUP BY run_id) AS r ON f.run_id = r.run_id
    WHERE r.trigger != 'http'
)
ORDER BY at DESC
LIMIT {limit:UInt32}
