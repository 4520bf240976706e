-- Methodology 1.1: I.3 counts distinct service codes. A successor's latest snapshot may
-- list the same service_code under two of its predecessors; that is one service, not
-- two. The view of 0005 counted rows; it is replaced (views hold no data).
DROP VIEW IF EXISTS services_latest;

-- Each unit's latest services snapshot dated in the year (the latest snapshot date
-- among all rows attributed to it), summarised for I.2 and I.3. I.2 looks at every
-- e-form row (each must be described and in the gateway); I.3 counts the distinct
-- codes with an e-form and in the gateway.
CREATE VIEW IF NOT EXISTS services_latest AS
SELECT year, unit,
       argMax(eform_services, snapshot_date) AS eform_services,
       argMax(eform_incomplete, snapshot_date) AS eform_incomplete,
       argMax(eservices, snapshot_date) AS eservices
FROM (
    SELECT s.year AS year, a.unit_code AS unit, s.snapshot_date AS snapshot_date,
           countIf(s.has_eform) AS eform_services,
           countIf(s.has_eform AND NOT (s.described AND s.in_gateway)) AS eform_incomplete,
           uniqExactIf(s.service_code, s.has_eform AND s.in_gateway) AS eservices
    FROM services AS s
    INNER JOIN (SELECT year, ehak_code, unit_code FROM attribution WHERE boundaries = {mode:String}) AS a
        ON a.year = s.year AND a.ehak_code = s.ehak_code
    GROUP BY year, unit, snapshot_date
)
GROUP BY year, unit;
