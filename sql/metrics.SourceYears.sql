-- Which sources have rows in which years, for the spec's "year without any source
-- data" rule; survey rows per question. `window` widens audits to Y-2..Y (II.1).
SELECT 'usage' AS source, '' AS question, year FROM usage GROUP BY year
UNION ALL SELECT 'feedback', '', year FROM feedback GROUP BY year
UNION ALL SELECT 'services', '', year FROM services GROUP BY year
UNION ALL SELECT 'audits', '', year FROM audits GROUP BY year
UNION ALL SELECT 'audits_window', '', arrayJoin([year, year + 1, year + 2]) AS y FROM audits GROUP BY y
UNION ALL SELECT 'trainings', '', year FROM trainings GROUP BY year
UNION ALL SELECT 'org_goals', '', year FROM org_goals GROUP BY year
UNION ALL SELECT 'survey', question_id, year FROM survey_answers GROUP BY question_id, year
