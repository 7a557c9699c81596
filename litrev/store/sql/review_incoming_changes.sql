-- name: review_incoming_changes
-- description: How the imported review rows (registered as review_incoming) compare with the
--   stored reviews: new, updated (a value differs; an empty cell keeps the stored value) or
--   unchanged.
SELECT count(*) FILTER (WHERE r.excerpt_id IS NULL) AS new_reviews,
       count(*) FILTER (WHERE r.excerpt_id IS NOT NULL AND (
           coalesce(i.decision, r.decision) IS DISTINCT FROM r.decision
           OR coalesce(i.note, r.note) IS DISTINCT FROM r.note
           OR coalesce(i.corrected_translation, r.corrected_translation)
              IS DISTINCT FROM r.corrected_translation)) AS updated_reviews
FROM review_incoming i
LEFT JOIN reviews r USING (excerpt_id);
