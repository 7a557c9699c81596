-- name: translation_save_cache
-- description: Store fresh provider answers (the registered relation translation_new_cache)
--   so that no text is sent to the same provider twice (text_hash, source_language,
--   target_language, provider kept unique by this MERGE).
-- param: now text: the time of the run (a timestamp)
MERGE INTO translation_cache AS c
USING (SELECT DISTINCT ON (text_hash, source_language, target_language, provider) *
       FROM translation_new_cache) AS b
ON c.text_hash = b.text_hash AND c.source_language = b.source_language
   AND c.target_language = b.target_language AND c.provider = b.provider
WHEN MATCHED THEN UPDATE SET
    translated_text = b.translated_text,
    created_at = CAST($now AS TIMESTAMPTZ)
WHEN NOT MATCHED THEN INSERT (text_hash, source_language, target_language, provider,
                              translated_text, created_at)
VALUES (b.text_hash, b.source_language, b.target_language, b.provider, b.translated_text,
        CAST($now AS TIMESTAMPTZ));
