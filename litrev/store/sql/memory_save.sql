-- name: memory_save
-- description: Store imported translation-memory entries (the registered relation
--   memory_incoming); an entry for the same normalised source text and languages (the key,
--   kept unique by this MERGE) is replaced by the newer import.
-- param: now text: the time of the import (a timestamp)
MERGE INTO translation_memory AS m
USING (SELECT DISTINCT ON (source_hash, source_language, target_language) *
       FROM memory_incoming) AS b
ON m.source_hash = b.source_hash AND m.source_language = b.source_language
   AND m.target_language = b.target_language
WHEN MATCHED THEN UPDATE SET
    source_text = b.source_text,
    target_text = b.target_text,
    origin = b.origin,
    imported_at = CAST($now AS TIMESTAMPTZ)
WHEN NOT MATCHED THEN INSERT (source_hash, source_language, target_language, source_text,
                              target_text, origin, imported_at)
VALUES (b.source_hash, b.source_language, b.target_language, b.source_text, b.target_text,
        b.origin, CAST($now AS TIMESTAMPTZ));
