-- name: search_excerpts
-- description: The excerpts a search chose, read from the lake by id with list_contains (a
--   filter the Parquet scan applies as it reads; a join or IN (subquery) on a million excerpts
--   read every text first).
-- param: ids text: the excerpt ids (bound as VARCHAR[])
SELECT excerpt_id, language, kind, work_id, text_hash, text
FROM excerpts
WHERE list_contains($ids, excerpt_id)
