-- name: search_themes
-- description: The themes of the few excerpts a search shows, by excerpt (those without themes
--   have no row). The one part of a search's results read from the lake, not from the index
--   files: coding changes themes without changing the indexed texts. list_contains on the
--   bound ids is a filter the Parquet scan applies as it reads.
-- param: ids text: the excerpt ids (bound as VARCHAR[])
SELECT excerpt_id, list(DISTINCT theme_id ORDER BY theme_id) AS themes
FROM excerpt_themes
WHERE list_contains($ids, excerpt_id)
GROUP BY excerpt_id
