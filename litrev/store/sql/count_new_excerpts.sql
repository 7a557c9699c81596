-- name: count_new_excerpts
-- description: How many of the batch's excerpts are not stored yet (run before the merge).
SELECT count(*) FROM batch_excerpts b
WHERE NOT EXISTS (SELECT 1 FROM excerpts e WHERE e.excerpt_id = b.excerpt_id);
