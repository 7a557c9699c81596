-- name: review_decisions
-- description: The reviewers' decisions and notes imported with `litrev import-reviews`, with
--   the excerpt and whether its translation was corrected; latest import first.
-- param: decision text default=: only this decision (e.g. include); empty for all
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)
WITH latest AS (
    SELECT *
    FROM reviews
    WHERE $decision IS NULL OR lower(decision) = lower(trim($decision))
    ORDER BY imported_at DESC, excerpt_id
    LIMIT $limit
)
SELECT r.excerpt_id,
       r.decision,
       r.note,
       r.corrected_translation IS NOT NULL AS translation_corrected,
       e.kind,
       e.language,
       e.work_title AS title,
       e.work_year AS year,
       r.reviewer_file,
       r.imported_at
FROM latest r
LEFT JOIN excerpt_listing e ON e.excerpt_id = r.excerpt_id
ORDER BY r.imported_at DESC, r.excerpt_id;
