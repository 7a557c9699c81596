-- name: search_stems
-- description: The fts stems of a list of lower-cased words under one stemmer (for snippets:
--   the same stems the index used).
-- param: words text: the words (bound as VARCHAR[])
-- param: stemmer text: the Snowball stemmer, or 'none'
SELECT w AS word, CASE WHEN $stemmer = 'none' THEN w ELSE stem(w, $stemmer) END AS stem
FROM (SELECT DISTINCT unnest(CAST($words AS VARCHAR[])) AS w)
