-- name: status_by_language
-- description: Excerpt counts by detected language ('unknown' = not detected yet).
SELECT coalesce(language, 'unknown'), count(*) FROM excerpts GROUP BY 1 ORDER BY 2 DESC, 1;
