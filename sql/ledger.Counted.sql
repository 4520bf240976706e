-- The columns and reasons already counted for one file in quarantine_counts.
SELECT column, reason
FROM quarantine_counts
WHERE file_id = {fid:String}
