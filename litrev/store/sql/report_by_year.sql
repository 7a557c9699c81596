-- name: report_by_year
-- description: Excerpts per publication year of their work (NULL when the record has no year),
--   split into real and synthetic records.
SELECT w.year,
       e.synthetic OR coalesce(w.synthetic, false) AS synthetic,
       count(*) AS excerpts
FROM excerpts e
LEFT JOIN works w ON w.work_id = e.work_id
GROUP BY ALL
ORDER BY w.year NULLS LAST, synthetic;
