-- name: theme_cooccurrence
-- description: Pairs of themes coded on the same excerpt, how often, with one example excerpt;
--   most frequent pairs first.
-- param: min_excerpts int default=1: only pairs found on at least this many excerpts

SELECT theme_a,
       theme_b,
       excerpts,
       example_excerpt_id
FROM theme_pairs
WHERE excerpts >= $min_excerpts
ORDER BY excerpts DESC, theme_a, theme_b;
