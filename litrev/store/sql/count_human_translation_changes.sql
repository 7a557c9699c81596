-- name: count_human_translation_changes
-- description: How many corrected translations (registered as human_incoming) would add or
--   change a translations row.
SELECT count(*)
FROM human_incoming h
LEFT JOIN translations t USING (text_hash, target_language)
WHERE t.text_hash IS NULL
   OR t.status <> 'human'
   OR t.provider IS DISTINCT FROM 'reviewer'
   OR t.translated_text IS DISTINCT FROM h.translated_text;
