-- name: coding_insert_themes
-- description: Save the theme matches in the registered frame coded_themes.
-- param: version text: the codebook's version key
INSERT INTO excerpt_themes (excerpt_id, theme_id, matched_in, matched_terms, codebook_version)
SELECT excerpt_id, theme_id, matched_in, matched_terms, $version FROM coded_themes
