-- name: theme_language_counts
-- description: Per theme, kind of excerpt and language of the excerpt ('unknown' where none
--   was detected), how many excerpts are coded with the theme (themes_by_language adds the
--   kinds up: an excerpt has one kind).
SELECT et.theme_id,
       e.kind,
       coalesce(e.language, 'unknown') AS language,
       count(DISTINCT e.excerpt_id) AS excerpts
FROM excerpt_themes et
JOIN excerpts e ON e.excerpt_id = et.excerpt_id
GROUP BY et.theme_id, e.kind, coalesce(e.language, 'unknown')
