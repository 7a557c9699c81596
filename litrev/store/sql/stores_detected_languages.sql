-- name: stores_detected_languages
-- description: Whether any excerpt or work title is stored with a detected language: when none
--   is, a harvest has nothing to skip and need not ask chunk by chunk what is stored.
SELECT EXISTS (SELECT 1 FROM excerpts WHERE language IS NOT NULL)
    OR EXISTS (SELECT 1 FROM works WHERE title_language IS NOT NULL)
