-- name: search_theme_ids
-- description: The theme ids of the stored codebook (to check a --theme filter).
SELECT coalesce(list(theme_id ORDER BY theme_id), []) AS theme_ids FROM themes
