-- name: stored_title_languages
-- description: Which of a batch's works (registered as batch_work_titles: work_id, title) are
--   stored already with the same title and a detected title language, so language detection
--   can skip them.
SELECT b.work_id
FROM batch_work_titles b
JOIN works w USING (work_id)
WHERE w.title_language IS NOT NULL
  AND w.title IS NOT DISTINCT FROM b.title;
