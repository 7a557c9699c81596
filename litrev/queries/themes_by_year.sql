-- name: themes_by_year
-- description: How many excerpts (and works) each theme holds per publication year of the
--   work; year is empty where the source gives none.
-- param: from_year int default=0: only works published in or after this year
SELECT et.theme_id,
       any_value(th.label) AS label,
       w.year,
       count(DISTINCT e.excerpt_id) AS excerpts,
       count(DISTINCT e.work_id) AS works
FROM excerpt_themes et
JOIN excerpts e ON e.excerpt_id = et.excerpt_id
LEFT JOIN works w ON w.work_id = e.work_id
LEFT JOIN themes th ON th.theme_id = et.theme_id
WHERE (w.year IS NULL AND $from_year = 0) OR w.year >= $from_year
GROUP BY et.theme_id, w.year
ORDER BY et.theme_id, w.year NULLS LAST;
