-- name: translation_save_cache
-- description: Store fresh provider answers (the registered relation translation_new_cache)
--   so that no text is sent to the same provider twice.
-- param: now text: the time of the run (a timestamp)
INSERT INTO translation_cache (text_hash, source_language, target_language, provider,
                               translated_text, created_at)
SELECT text_hash, source_language, target_language, provider, translated_text,
       CAST($now AS TIMESTAMPTZ)
FROM translation_new_cache
ON CONFLICT (text_hash, source_language, target_language, provider) DO UPDATE SET
    translated_text = excluded.translated_text,
    created_at = excluded.created_at;
