-- name: themes_by_year
-- description: How many excerpts (and works) each theme holds per publication year of the
--   work; year is empty where the source gives none.
-- param: from_year int default=0: only works published in or after this year

SELECT c.theme_id,
       th.label,
       c.year,
       c.excerpts,
       c.works
FROM theme_year_counts c
LEFT JOIN themes th ON th.theme_id = c.theme_id
WHERE (c.year IS NULL AND $from_year = 0) OR c.year >= $from_year
ORDER BY c.theme_id, c.year NULLS LAST;
