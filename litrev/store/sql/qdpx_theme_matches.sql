-- name: qdpx_theme_matches
-- description: The stored theme matches of a list of excerpts: which theme, in the original or
--   in the translation, on which codebook terms.
-- param: ids text: VARCHAR[] of excerpt ids
SELECT excerpt_id, theme_id, matched_in, matched_terms
FROM excerpt_themes
WHERE excerpt_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
ORDER BY excerpt_id, theme_id, matched_in;
