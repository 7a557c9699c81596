-- name: review_incoming_changes
-- description: How the imported review rows (registered as review_incoming) compare with the
--   stored reviews: new, updated (a value differs; an empty cell keeps the stored value, a
--   "(clear)" cell empties it) or unchanged.
-- param: clear text: the cell value that clears a stored value
WITH wanted AS (
    SELECT i.excerpt_id, r.excerpt_id AS stored_id,
           r.decision AS stored_decision, r.note AS stored_note,
           r.corrected_translation AS stored_corrected,
           CASE WHEN i.decision = $clear THEN NULL
                ELSE coalesce(i.decision, r.decision) END AS decision,
           CASE WHEN i.note = $clear THEN NULL ELSE coalesce(i.note, r.note) END AS note,
           CASE WHEN i.corrected_translation = $clear THEN NULL
                ELSE coalesce(i.corrected_translation, r.corrected_translation)
                END AS corrected_translation
    FROM review_incoming i
    LEFT JOIN reviews r USING (excerpt_id)
)
SELECT count(*) FILTER (WHERE stored_id IS NULL AND coalesce(decision, note,
                                                              corrected_translation) IS NOT NULL
                        ) AS new_reviews,
       count(*) FILTER (WHERE stored_id IS NOT NULL AND (
           decision IS DISTINCT FROM stored_decision
           OR note IS DISTINCT FROM stored_note
           OR corrected_translation IS DISTINCT FROM stored_corrected)) AS updated_reviews
FROM wanted;
