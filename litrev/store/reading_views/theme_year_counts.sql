-- name: theme_year_counts
-- description: Per theme and publication year of the work (empty where the source gives none),
--   how many excerpts and works are coded with the theme (themes_by_year reads this).
SELECT et.theme_id,
       w.year,
       count(DISTINCT e.excerpt_id) AS excerpts,
       count(DISTINCT e.work_id) AS works
FROM excerpt_themes et
JOIN excerpts e ON e.excerpt_id = et.excerpt_id
LEFT JOIN works w ON w.work_id = e.work_id
GROUP BY et.theme_id, w.year
