-- name: theme_pairs
-- description: Pairs of themes coded on the same excerpt: how many excerpts hold both, and the
--   first of them by id (theme_cooccurrence reads this).
WITH coded AS (
    SELECT DISTINCT excerpt_id, theme_id FROM excerpt_themes
)
SELECT a.theme_id AS theme_a,
       b.theme_id AS theme_b,
       count(*) AS excerpts,
       min(a.excerpt_id) AS example_excerpt_id
FROM coded a
JOIN coded b ON a.excerpt_id = b.excerpt_id AND a.theme_id < b.theme_id
GROUP BY a.theme_id, b.theme_id
