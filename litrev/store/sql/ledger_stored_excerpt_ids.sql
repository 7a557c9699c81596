-- name: ledger_stored_excerpt_ids
-- description: Which of a batch's excerpts (registered as batch_excerpt_ids) are stored already
--   with a detected language, so language detection can skip them.
SELECT b.excerpt_id
FROM batch_excerpt_ids b
JOIN excerpts e USING (excerpt_id)
WHERE e.language IS NOT NULL;
