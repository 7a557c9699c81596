-- name: themes_delete_all
-- description: Forget the stored codebook themes before saving a new codebook version.
DELETE FROM themes
