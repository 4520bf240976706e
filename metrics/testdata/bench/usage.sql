-- Synthetic usage events for BenchmarkIndicators50M (metrics/bench_test.go): {n} rows
-- made in the engine, since 50 million rows through the Go ingest would take longer
-- than the benchmark is worth. Every choice is a hash of the row number, so the data
-- are the same on every machine. Slot arrays carry the weights, built in Go: a year
-- (later years busier), an event and a system as parameters, and codeSlots codes per
-- year in the table bench_code_slots (too many for a parameter: by population, with a
-- few rows of merged-away codes after the reform, so that attribution has work to
-- do). A code's paperless share grows by year around a level of its own.
INSERT INTO usage (event_id, event_time, year, ehak_code, system, service_code, channel, event,
                   session_id, user_hash, duration_ms, file_id, run_id, line)
SELECT lower(hex(cityHash64(number, 'id'))) AS event_id, event_time,
       toYear(toTimeZone(event_time, 'Europe/Tallinn')) AS year, ehak_code, system,
       concat('S', leftPad(toString(cityHash64(number, 'svc') % 80), 3, '0')) AS service_code,
       if(paperless,
          ['web', 'portal', 'email', 'xroad'][1 + cityHash64(number, 'web') % 4],
          ['paper', 'office', 'phone'][1 + cityHash64(number, 'paper') % 3]) AS channel,
       event,
       lower(hex(cityHash64(intDiv(number, 4), 'session'))) AS session_id,
       lower(hex(cityHash64(intDiv(number, 9), 'user'))) AS user_hash,
       if(number % 10 = 0, NULL, cityHash64(number, 'ms') % 600000) AS duration_ms,
       concat('bench-usage-', toString(y)) AS file_id, 'bench' AS run_id, number AS line
FROM (
    SELECT number, y, ehak_code,
           fromUnixTimestamp64Milli(toInt64(toUnixTimestamp(toDateTime(makeDate(y, 1, 1), 'Europe/Tallinn'))) * 1000
                                    + toInt64(cityHash64(number, 'time') % 31536000000), 'UTC') AS event_time,
           {events:Array(String)}[1 + cityHash64(number, 'event') % length({events:Array(String)})] AS event,
           {systems:Array(String)}[1 + cityHash64(number, 'system') % length({systems:Array(String)})] AS system,
           cityHash64(number, 'channel') % 1000
               < 1000 * (0.30 + 0.06 * (y - 2016) + (toInt32(cityHash64(ehak_code) % 21) - 10) / 100) AS paperless
    FROM (
        WITH (SELECT arrayMap(x -> x.2, arraySort(groupArray((slot, ehak_code)))) FROM bench_code_slots) AS codes
        SELECT number, y,
               codes[(y - {first_year:UInt16}) * {code_slots:UInt32} + 1 + cityHash64(number, 'code') % {code_slots:UInt32}] AS ehak_code
        FROM (
            SELECT number, {years:Array(UInt16)}[1 + cityHash64(number, 'year') % length({years:Array(UInt16)})] AS y
            FROM numbers({n:UInt64})
        )
    )
)
SETTINGS max_insert_threads = 2
