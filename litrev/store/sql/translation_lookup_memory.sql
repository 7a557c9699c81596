-- name: translation_lookup_memory
-- description: Translation-memory entries whose normalised source text matches a text in
--   translation_keys (a registered relation: text_hash, memory_key, source_language).
-- param: target text: the target language
SELECT m.source_hash AS memory_key, m.source_language, m.target_text, m.origin
FROM translation_memory m
JOIN (SELECT DISTINCT memory_key, source_language FROM translation_keys) k
  ON k.memory_key = m.source_hash AND k.source_language = m.source_language
WHERE m.target_language = $target;
