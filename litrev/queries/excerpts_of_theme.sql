-- name: excerpts_of_theme
-- description: The excerpts coded with one theme, original beside translation, with the terms
--   that matched and where (original or translation), oldest work first.
-- param: theme text: the theme id, e.g. role_clarity (see themes_by_language)
-- param: target text default=en: the language of the translations shown
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)
SELECT e.excerpt_id,
       e.kind,
       e.language,
       e.text,
       t.translated_text AS translation,
       t.status AS translation_status,
       string_agg(DISTINCT et.matched_in, ', ' ORDER BY et.matched_in) AS matched_in,
       array_to_string(list_sort(list_distinct(flatten(list(et.matched_terms)))), ', ')
           AS matched_terms,
       w.title,
       w.year,
       w.doi
FROM excerpt_themes et
JOIN excerpts e ON e.excerpt_id = et.excerpt_id
LEFT JOIN works w ON w.work_id = e.work_id
LEFT JOIN translations t ON t.text_hash = e.text_hash AND t.target_language = $target
WHERE et.theme_id = $theme
GROUP BY ALL
ORDER BY w.year NULLS LAST, w.title, e.excerpt_id
LIMIT $limit;
