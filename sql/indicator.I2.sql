-- I.2: in its latest snapshot of the year the unit has at least one e-form service, and
-- every e-form service is described to the standard and listed in the gateway.
SELECT year, unit, toUInt8(eform_services > 0 AND eform_incomplete = 0) AS meets
FROM services_latest(mode = {mode:String})
