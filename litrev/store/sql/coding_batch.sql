-- name: coding_batch
-- description: The texts to code for a list of excerpt ids: original, language, and the usable
--   translation into the target language (with its md5, remembered in excerpt_coding).
-- param: ids text: a list of excerpt ids (bound as VARCHAR[])
-- param: target text: the review's target language
WITH tr AS (
    SELECT text_hash, translated_text FROM translations
    WHERE target_language = $target AND status IN ('human', 'tm', 'machine')
      AND translated_text IS NOT NULL
)
SELECT e.excerpt_id, e.text, e.language, tr.translated_text AS translation,
       md5(tr.translated_text) AS translation_hash
FROM excerpts e
LEFT JOIN tr ON tr.text_hash = e.text_hash
WHERE e.excerpt_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
ORDER BY e.excerpt_id
