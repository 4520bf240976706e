-- Coverage: the source rows behind each indicator's figures per year, for every unit
-- ({unit} = '') or for one: the definition rows the latest complete refresh stored
-- with its figures (indicator_rows), so that it says what the published figures were
-- made from. Sorted in the catalogue's order.
SELECT indicator_id, year, sum(source_rows) AS rows
FROM indicator_rows
WHERE refresh_id = (SELECT argMax(refresh_id, finished_at) FROM indicator_refreshes)
  AND boundaries = {boundaries:String}
  AND in_figures
  AND ({unit:String} = '' OR unit = {unit:String})
GROUP BY indicator_id, year
ORDER BY indexOf({order:Array(String)}, indicator_id), year
