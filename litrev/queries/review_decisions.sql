-- name: review_decisions
-- description: The reviewers' decisions and notes imported with `litrev import-reviews`, with
--   the excerpt and whether its translation was corrected; latest import first.
-- param: decision text default=: only this decision (e.g. include); empty for all
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)
SELECT r.excerpt_id,
       r.decision,
       r.note,
       r.corrected_translation IS NOT NULL AS translation_corrected,
       e.kind,
       e.language,
       w.title,
       w.year,
       r.reviewer_file,
       r.imported_at
FROM reviews r
LEFT JOIN excerpts e ON e.excerpt_id = r.excerpt_id
LEFT JOIN works w ON w.work_id = e.work_id
WHERE $decision IS NULL OR lower(r.decision) = lower(trim($decision))
ORDER BY r.imported_at DESC, r.excerpt_id
LIMIT $limit;
