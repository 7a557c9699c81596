-- name: merge_human_translations
-- description: A reviewer's corrected translation becomes the translation of that text, status
--   'human', provider 'reviewer'. It replaces a machine, memory or earlier human translation;
--   an identical one is left untouched (text_hash, target_language kept unique by this MERGE).
-- param: now date: the time of the import (TIMESTAMPTZ)
MERGE INTO translations AS t
USING (SELECT DISTINCT ON (text_hash, target_language) * FROM human_incoming) AS b
ON t.text_hash = b.text_hash AND t.target_language = b.target_language
WHEN MATCHED AND (t.status <> 'human'
                  OR t.provider IS DISTINCT FROM 'reviewer'
                  OR t.translated_text IS DISTINCT FROM b.translated_text) THEN UPDATE SET
    translated_text = b.translated_text,
    provider = 'reviewer',
    status = 'human',
    error = NULL,
    numbers_mismatch = false,
    source_language = coalesce(t.source_language, b.source_language),
    updated_at = $now
WHEN NOT MATCHED THEN INSERT (text_hash, target_language, source_language, translated_text,
                              provider, status, error, numbers_mismatch, created_at, updated_at)
VALUES (b.text_hash, b.target_language, b.source_language, b.translated_text, 'reviewer',
        'human', NULL, false, $now, $now);
