-- name: merge_reviews
-- description: Store imported decisions, notes and corrected translations (registered as
--   review_incoming) on excerpts already reviewed. An empty cell keeps what was stored; the
--   value $clear ("(clear)") empties it; a row whose values all stay as stored is left untouched
--   (its imported_at too), so importing a file twice changes nothing.
-- param: file text: the name of the imported file
-- param: now date: the time of the import (TIMESTAMPTZ)
-- param: clear text: the cell value that clears a stored value
WITH wanted AS (
    SELECT i.excerpt_id,
           CASE WHEN i.decision = $clear THEN NULL
                ELSE coalesce(i.decision, r.decision) END AS decision,
           CASE WHEN i.note = $clear THEN NULL ELSE coalesce(i.note, r.note) END AS note,
           CASE WHEN i.corrected_translation = $clear THEN NULL
                ELSE coalesce(i.corrected_translation, r.corrected_translation)
                END AS corrected_translation
    FROM review_incoming i
    JOIN reviews r USING (excerpt_id)
)
UPDATE reviews
SET decision = wanted.decision, note = wanted.note,
    corrected_translation = wanted.corrected_translation,
    reviewer_file = $file, imported_at = $now
FROM wanted
WHERE reviews.excerpt_id = wanted.excerpt_id
  AND (wanted.decision IS DISTINCT FROM reviews.decision
       OR wanted.note IS DISTINCT FROM reviews.note
       OR wanted.corrected_translation IS DISTINCT FROM reviews.corrected_translation);
