-- Every registry row, for the registry package to build its model from.
SELECT ehak_code, name, type, county_code, county_name,
       ifNull(toString(valid_from), '') AS valid_from,
       ifNull(toString(valid_to), '') AS valid_to,
       ifNull(toString(population), '') AS population
FROM municipalities
ORDER BY ehak_code, valid_from
