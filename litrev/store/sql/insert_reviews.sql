-- name: insert_reviews
-- description: Store imported decisions, notes and corrected translations (registered as
--   review_incoming) of excerpts not reviewed before; a "(clear)" cell ($clear) stores nothing,
--   and a row with nothing left to store is skipped.
-- param: file text: the name of the imported file
-- param: now date: the time of the import (TIMESTAMPTZ)
-- param: clear text: the cell value that clears a stored value
INSERT INTO reviews (excerpt_id, decision, note, corrected_translation, reviewer_file,
                     imported_at)
SELECT i.excerpt_id, nullif(i.decision, $clear), nullif(i.note, $clear),
       nullif(i.corrected_translation, $clear), $file, $now
FROM review_incoming i
WHERE NOT EXISTS (SELECT 1 FROM reviews r WHERE r.excerpt_id = i.excerpt_id)
  AND coalesce(nullif(i.decision, $clear), nullif(i.note, $clear),
               nullif(i.corrected_translation, $clear)) IS NOT NULL;
