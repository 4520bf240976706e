-- The (line, column) cells of a file already in the quarantine, so that loading a file
-- again does not quarantine its rows twice.
SELECT line, column
FROM quarantine
WHERE file_id = {fid:String}
