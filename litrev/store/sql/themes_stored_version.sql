-- name: themes_stored_version
-- description: The codebook version the stored themes were saved with (none before the first coding).
SELECT max(codebook_version) AS codebook_version FROM themes
