-- name: excerpts_of_theme
-- description: The excerpts coded with one theme, original beside translation, with the terms
--   that matched and where (original or translation), oldest work first.
-- param: theme text: the theme id, e.g. role_clarity (see themes_by_language)
-- param: target text default=en: the language of the translations shown
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- The theme's matches are grouped per excerpt first (a few columns), then joined to the
-- excerpt, its work and translation: grouping by the texts themselves was the slow part.
WITH matched AS (
    SELECT excerpt_id,
           string_agg(DISTINCT matched_in, ', ' ORDER BY matched_in) AS matched_in,
           array_to_string(list_sort(list_distinct(flatten(list(matched_terms)))), ', ')
               AS matched_terms
    FROM excerpt_themes
    WHERE theme_id = $theme
    GROUP BY excerpt_id
)
SELECT e.excerpt_id,
       e.kind,
       e.language,
       e.text,
       t.translated_text AS translation,
       t.status AS translation_status,
       m.matched_in,
       m.matched_terms,
       w.title,
       w.year,
       w.doi
FROM matched m
JOIN excerpts e ON e.excerpt_id = m.excerpt_id
LEFT JOIN works w ON w.work_id = e.work_id
LEFT JOIN translations t ON t.text_hash = e.text_hash AND t.target_language = $target
ORDER BY w.year NULLS LAST, w.title, e.excerpt_id
LIMIT $limit;
