-- Quarantined rows, newest first; empty file/run parameters mean all.
SELECT run_id, file_name, file_id, kind, line, column, reason, raw
FROM quarantine
WHERE ({file:String} = '' OR file_name = {file:String})
  AND ({run:String} = '' OR run_id = {run:String})
ORDER BY at DESC, file_id, line, column
LIMIT {limit:UInt32}
