-- name: excerpts_of_theme
-- description: The excerpts coded with one theme, original beside translation, with the terms
--   that matched and where (original or translation), oldest work first.
-- param: theme text: the theme id, e.g. role_clarity (see themes_by_language)
-- param: target text default=en: the language of the translations shown
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- The rows shown are chosen among the theme's coded excerpts (by their work's year and title);
-- only they are joined to their matches and their translations: on a large corpus a theme
-- holds hundreds of thousands of excerpts.
WITH chosen AS (
    SELECT excerpt_id, kind, language, text, text_hash, work_year, work_title, work_doi
    FROM coded_excerpts
    WHERE theme_id = $theme
    ORDER BY work_year NULLS LAST, work_title, excerpt_id
    LIMIT $limit
),
matched AS (
    SELECT et.excerpt_id,
           string_agg(DISTINCT et.matched_in, ', ' ORDER BY et.matched_in) AS matched_in,
           array_to_string(list_sort(list_distinct(flatten(list(et.matched_terms)))), ', ')
               AS matched_terms
    FROM excerpt_themes et
    JOIN chosen c ON c.excerpt_id = et.excerpt_id
    WHERE et.theme_id = $theme
    GROUP BY et.excerpt_id
)
SELECT c.excerpt_id,
       c.kind,
       c.language,
       c.text,
       t.translated_text AS translation,
       t.status AS translation_status,
       m.matched_in,
       m.matched_terms,
       c.work_title AS title,
       c.work_year AS year,
       c.work_doi AS doi
FROM chosen c
JOIN matched m ON m.excerpt_id = c.excerpt_id
LEFT JOIN translations t ON t.text_hash = c.text_hash AND t.target_language = $target
ORDER BY c.work_year NULLS LAST, c.work_title, c.excerpt_id;
