-- Every merger row, for the registry package to build its model from.
SELECT old_ehak_code, new_ehak_code, effective_date, area_share
FROM mergers
ORDER BY old_ehak_code, new_ehak_code
