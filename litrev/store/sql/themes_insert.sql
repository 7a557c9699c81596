-- name: themes_insert
-- description: Save one theme of the codebook.
-- param: theme_id text: the theme's id
-- param: label text: its label
-- param: description text: what belongs in it
-- param: version text: the codebook's version key
INSERT INTO themes (theme_id, label, description, codebook_version)
VALUES ($theme_id, $label, $description, $version)
