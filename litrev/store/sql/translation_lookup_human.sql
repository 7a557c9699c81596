-- name: translation_lookup_human
-- description: Human corrections already stored for the texts in translation_keys (a
--   registered relation: text_hash, memory_key, source_language).
-- param: target text: the target language
SELECT t.text_hash, t.translated_text
FROM translations t
JOIN translation_keys k ON k.text_hash = t.text_hash
WHERE t.target_language = $target AND t.status = 'human' AND t.translated_text IS NOT NULL;
