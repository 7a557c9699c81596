-- name: translation_since
-- description: When the last harvest run whose translation step ran to the end, into this
--   target language, read what to translate (its run's start for runs that did not record it;
--   NULL if none): a harvest then translates only what was stored or changed since, so a text
--   of a run whose translation step failed or was killed is still picked up by the next run,
--   and the texts a run stored before its own translation step are not read again the next
--   night. Reads the small harvest_runs table only.
-- param: target text: the review's target language, e.g. en
SELECT max(coalesce(TRY_CAST(json_extract_string(summary, '$.translation.read_at')
                             AS TIMESTAMPTZ), started_at))
FROM harvest_runs
WHERE json_extract_string(summary, '$.translation.target_language') = $target
  AND json_extract_string(summary, '$.translation.error') IS NULL;
