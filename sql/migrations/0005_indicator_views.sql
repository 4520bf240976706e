-- Parameterized views that the indicator queries (sql/indicator.*.sql) share: each
-- applies the attribution of one boundary mode ({mode:String}: asof or current) before
-- any rule, as spec/indicators.md asks ("Attribution comes first").

-- The latest answer of each unit to one survey question per year: latest submitted_at
-- wins (ties: the larger respondent_id, then survey_id, so the result never depends on
-- the order rows were loaded in). Answers are lower-cased; yes/no words were
-- normalised on load.
CREATE VIEW IF NOT EXISTS survey_latest AS
SELECT s.year AS year, a.unit_code AS unit,
       lower(trimBoth(argMax(s.answer, (s.submitted_at, s.respondent_id, s.survey_id)))) AS answer
FROM survey_answers AS s
INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
    ON a.year = s.year AND a.ehak_code = s.ehak_code
WHERE s.question_id = {question:String}
GROUP BY year, unit;

-- Each unit's latest services snapshot dated in the year (the latest snapshot date
-- among all rows attributed to it), summarised for I.2 and I.3.
CREATE VIEW IF NOT EXISTS services_latest AS
SELECT year, unit,
       argMax(eform_services, snapshot_date) AS eform_services,
       argMax(eform_incomplete, snapshot_date) AS eform_incomplete,
       argMax(eservices, snapshot_date) AS eservices
FROM (
    SELECT s.year AS year, a.unit_code AS unit, s.snapshot_date AS snapshot_date,
           countIf(s.has_eform) AS eform_services,
           countIf(s.has_eform AND NOT (s.described AND s.in_gateway)) AS eform_incomplete,
           countIf(s.has_eform AND s.in_gateway) AS eservices
    FROM services AS s
    INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
        ON a.year = s.year AND a.ehak_code = s.ehak_code
    GROUP BY year, unit, snapshot_date
)
GROUP BY year, unit;
