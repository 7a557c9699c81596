-- name: translation_lookup_cache
-- description: Earlier answers of the provider for the texts in translation_keys (a
--   registered relation: text_hash, memory_key, source_language).
-- param: target text: the target language
-- param: provider text: the provider whose answers count, e.g. google
SELECT c.text_hash, c.source_language, c.translated_text, c.provider
FROM translation_cache c
JOIN translation_keys k
  ON k.text_hash = c.text_hash AND k.source_language = c.source_language
WHERE c.target_language = $target AND c.provider = $provider;
