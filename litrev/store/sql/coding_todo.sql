-- name: coding_todo
-- description: Ids of the excerpts to (re)code: never coded, coded with another codebook version,
--   or whose language or translation into the target language changed since; all with everything.
-- param: version text: the codebook's version key
-- param: target text: the review's target language
-- param: everything bool default=false: list every excerpt
WITH tr AS (
    SELECT text_hash, translated_text FROM translations
    WHERE target_language = $target AND status IN ('human', 'tm', 'machine')
      AND translated_text IS NOT NULL
)
SELECT e.excerpt_id
FROM excerpts e
LEFT JOIN tr ON tr.text_hash = e.text_hash
LEFT JOIN excerpt_coding c ON c.excerpt_id = e.excerpt_id
WHERE $everything
   OR c.excerpt_id IS NULL
   OR c.codebook_version <> $version
   OR c.language IS DISTINCT FROM e.language
   OR c.translation_hash IS DISTINCT FROM md5(tr.translated_text)
ORDER BY e.excerpt_id
