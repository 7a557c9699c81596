-- name: translation_since
-- description: When the last harvest run whose translation step ran to the end, into this
--   target language, started (NULL if none): a harvest then translates only what was stored
--   or changed since, so a text of a run whose translation step failed or was killed is
--   still picked up by the next run. Reads the small harvest_runs table only.
-- param: target text: the review's target language, e.g. en
SELECT max(started_at)
FROM harvest_runs
WHERE json_extract_string(summary, '$.translation.target_language') = $target
  AND json_extract_string(summary, '$.translation.error') IS NULL;
