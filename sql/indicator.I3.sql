-- I.3: in its latest snapshot of the year the unit offers at least 20 services as
-- e-services (an e-form and listed in the gateway).
SELECT year, unit, toUInt8(eservices >= 20) AS meets
FROM services_latest(mode = {mode:String})
