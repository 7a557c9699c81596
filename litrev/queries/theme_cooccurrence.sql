-- name: theme_cooccurrence
-- description: Pairs of themes coded on the same excerpt, how often, with one example excerpt;
--   most frequent pairs first.
-- param: min_excerpts int default=1: only pairs found on at least this many excerpts
SELECT a.theme_id AS theme_a,
       b.theme_id AS theme_b,
       count(*) AS excerpts,
       min(a.excerpt_id) AS example_excerpt_id
FROM coded_excerpts a
JOIN coded_excerpts b ON a.excerpt_id = b.excerpt_id AND a.theme_id < b.theme_id
GROUP BY a.theme_id, b.theme_id
HAVING count(*) >= $min_excerpts
ORDER BY excerpts DESC, theme_a, theme_b;
