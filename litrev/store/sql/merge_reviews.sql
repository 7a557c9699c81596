-- name: merge_reviews
-- description: Store imported decisions, notes and corrected translations (registered as
--   review_incoming). An empty cell keeps what was stored; a row whose values are all the same
--   as stored is left untouched (its imported_at too), so importing a file twice changes nothing.
-- param: file text: the name of the imported file
-- param: now date: the time of the import (TIMESTAMPTZ)
INSERT INTO reviews (excerpt_id, decision, note, corrected_translation, reviewer_file,
                     imported_at)
SELECT excerpt_id, decision, note, corrected_translation, $file, $now
FROM review_incoming
ON CONFLICT (excerpt_id) DO UPDATE SET
    decision = coalesce(excluded.decision, reviews.decision),
    note = coalesce(excluded.note, reviews.note),
    corrected_translation = coalesce(excluded.corrected_translation,
                                     reviews.corrected_translation),
    reviewer_file = excluded.reviewer_file,
    imported_at = excluded.imported_at
WHERE coalesce(excluded.decision, reviews.decision) IS DISTINCT FROM reviews.decision
   OR coalesce(excluded.note, reviews.note) IS DISTINCT FROM reviews.note
   OR coalesce(excluded.corrected_translation, reviews.corrected_translation)
      IS DISTINCT FROM reviews.corrected_translation;
