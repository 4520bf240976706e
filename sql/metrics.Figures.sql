-- Figures of the latest complete refresh, filtered; empty/zero parameters mean all.
-- Sorted as spec/indicators.md asks; the indicator order comes from the catalogue.
SELECT indicator_id, year, level, ehak_code, name, value, numerator, denominator, coverage,
       target, status, flags, ci_low, ci_high, county_code, unit_type, catalogue_version
FROM indicator_values
WHERE refresh_id = (SELECT argMax(refresh_id, finished_at) FROM indicator_refreshes)
  AND boundaries = {boundaries:String}
  AND ({year:UInt16} = 0 OR year = {year:UInt16})
  AND ({level:String} = '' OR level = {level:String})
  AND ({indicator:String} = '' OR indicator_id = {indicator:String})
  AND ({ehak:String} = '' OR ehak_code = {ehak:String} OR level = 'national')
  AND ({county:String} = '' OR county_code = {county:String} OR level = 'national')
  AND ({unit_type:String} = '' OR unit_type = {unit_type:String} OR level = 'national')
ORDER BY indexOf({order:Array(String)}, indicator_id), year, level = 'municipality', ehak_code
