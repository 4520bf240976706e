-- Synthetic feedback rows for BenchmarkIndicators50M, made like usage.sql: {n} rows,
-- hashes of the row number, the same slot arrays for year, code and system; a code's
-- share of satisfied scores (4–5) grows by year around a level of its own.
INSERT INTO feedback (feedback_id, submitted_at, year, ehak_code, system, service_code, score, comment, file_id, run_id, line)
SELECT concat('bf', toString(number)) AS feedback_id, submitted_at,
       toYear(toTimeZone(submitted_at, 'Europe/Tallinn')) AS year, ehak_code, system,
       if(cityHash64(number, 'svc?') % 4 = 0, '', concat('S', leftPad(toString(cityHash64(number, 'svc') % 80), 3, '0'))) AS service_code,
       toUInt8(if(satisfied, 4 + cityHash64(number, 'hi') % 2, 1 + cityHash64(number, 'lo') % 3)) AS score,
       if(cityHash64(number, 'comment') % 7 = 0, 'Kiire ja selge', '') AS comment,
       concat('bench-feedback-', toString(y)) AS file_id, 'bench' AS run_id, number AS line
FROM (
    SELECT number, y, ehak_code,
           fromUnixTimestamp64Milli(toInt64(toUnixTimestamp(toDateTime(makeDate(y, 1, 1), 'Europe/Tallinn'))) * 1000
                                    + toInt64(cityHash64(number, 'time') % 31536000000), 'UTC') AS submitted_at,
           {systems:Array(String)}[1 + cityHash64(number, 'system') % length({systems:Array(String)})] AS system,
           cityHash64(number, 'score') % 1000
               < 1000 * (0.45 + 0.04 * (y - 2016) + (toInt32(cityHash64(ehak_code, 'f') % 21) - 10) / 100) AS satisfied
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
