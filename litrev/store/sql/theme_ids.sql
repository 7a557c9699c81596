-- name: theme_ids
-- description: The theme ids of the codebook in the database (to check --theme filters).
SELECT theme_id FROM themes ORDER BY theme_id;
