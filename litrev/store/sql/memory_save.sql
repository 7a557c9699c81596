-- name: memory_save
-- description: Store imported translation-memory entries (the registered relation
--   memory_incoming); an entry for the same normalised source text and languages is replaced
--   by the newer import.
-- param: now text: the time of the import (a timestamp)
INSERT INTO translation_memory (source_hash, source_language, target_language, source_text,
                                target_text, origin, imported_at)
SELECT source_hash, source_language, target_language, source_text, target_text, origin,
       CAST($now AS TIMESTAMPTZ)
FROM memory_incoming
ON CONFLICT (source_hash, source_language, target_language) DO UPDATE SET
    source_text = excluded.source_text,
    target_text = excluded.target_text,
    origin = excluded.origin,
    imported_at = excluded.imported_at;
