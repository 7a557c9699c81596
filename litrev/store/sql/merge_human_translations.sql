-- name: merge_human_translations
-- description: A reviewer's corrected translation becomes the translation of that text, status
--   'human', provider 'reviewer'. It replaces a machine, memory or earlier human translation;
--   an identical one is left untouched.
-- param: now date: the time of the import (TIMESTAMPTZ)
INSERT INTO translations (text_hash, target_language, source_language, translated_text, provider,
                          status, error, numbers_mismatch, created_at, updated_at)
SELECT text_hash, target_language, source_language, translated_text, 'reviewer', 'human', NULL,
       false, $now, $now
FROM human_incoming
ON CONFLICT (text_hash, target_language) DO UPDATE SET
    translated_text = excluded.translated_text,
    provider = 'reviewer',
    status = 'human',
    error = NULL,
    numbers_mismatch = false,
    source_language = coalesce(translations.source_language, excluded.source_language),
    updated_at = excluded.updated_at
WHERE translations.status <> 'human'
   OR translations.provider IS DISTINCT FROM 'reviewer'
   OR translations.translated_text IS DISTINCT FROM excluded.translated_text;
