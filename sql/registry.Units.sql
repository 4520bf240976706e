-- Every registry row, for the registry package to build its model from (NULL: no
-- bound, no population).
SELECT ehak_code, name, type, county_code, county_name, valid_from, valid_to, population
FROM municipalities
ORDER BY ehak_code, valid_from
