-- name: excerpts_by_ids
-- description: The stored excerpts among the given ids, with what a corrected translation needs.
-- param: ids text: VARCHAR[] of excerpt ids
SELECT excerpt_id, text_hash, language
FROM excerpts
WHERE excerpt_id IN (SELECT unnest(CAST($ids AS VARCHAR[])));
