-- name: coding_delete_themes
-- description: Drop the theme matches of the excerpts in the registered frame coded_batch before
--   saving their new matches.
DELETE FROM excerpt_themes WHERE excerpt_id IN (SELECT excerpt_id FROM coded_batch)
