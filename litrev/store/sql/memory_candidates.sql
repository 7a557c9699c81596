-- name: memory_candidates
-- description: Texts in one source language that a newly imported translation memory may
--   translate: no translation into the target yet, or only a machine, pending or failed one
--   (tm and human rows stay).
-- param: source text: the memory's source language, e.g. fi
-- param: target text: the memory's target language, e.g. en
SELECT e.text_hash, min(e.text) AS text, min(e.language) AS source_language
FROM excerpts e
LEFT JOIN translations t ON t.text_hash = e.text_hash AND t.target_language = $target
WHERE e.language = $source
  AND (t.status IS NULL OR t.status IN ('machine', 'pending', 'failed'))
GROUP BY e.text_hash;
