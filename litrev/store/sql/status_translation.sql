-- name: status_translation
-- description: Excerpts by translation status: 'not needed' when already in the target
--   language, 'untranslated' when no translation row exists yet.
-- param: target text default=: the review's target language; empty to use any translation row
SELECT CASE
         WHEN $target IS NOT NULL AND e.language = $target THEN 'not needed'
         WHEN t.status IS NULL THEN 'untranslated'
         ELSE t.status
       END AS status,
       count(*)
FROM excerpts e
LEFT JOIN translations t
  ON t.text_hash = e.text_hash AND ($target IS NULL OR t.target_language = $target)
GROUP BY 1
ORDER BY 2 DESC, 1;
