-- name: qdpx_codes
-- description: The codebook's themes stored in the database, for the codes of a REFI-QDA export.
SELECT theme_id, label, description FROM themes ORDER BY theme_id;
