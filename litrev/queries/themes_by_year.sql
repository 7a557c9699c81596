-- name: themes_by_year
-- description: How many excerpts (and works) each theme holds per publication year of the
--   work; year is empty where the source gives none.
-- param: from_year int default=0: only works published in or after this year

-- coded_excerpts holds one row per theme and excerpt: count(*) counts excerpts.
SELECT c.theme_id,
       any_value(th.label) AS label,
       c.work_year AS year,
       count(*) AS excerpts,
       count(DISTINCT c.work_id) AS works
FROM coded_excerpts c
LEFT JOIN themes th ON th.theme_id = c.theme_id
WHERE (c.work_year IS NULL AND $from_year = 0) OR c.work_year >= $from_year
GROUP BY c.theme_id, c.work_year
ORDER BY c.theme_id, c.work_year NULLS LAST;
