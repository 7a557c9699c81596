-- name: themes_by_language
-- description: How many excerpts each theme holds per language of the excerpt (matched in the
--   original or in the translation), with the theme's label.
-- param: kind text default=: only this kind (abstract, citation_statement, title); empty for all
SELECT et.theme_id,
       any_value(th.label) AS label,
       coalesce(e.language, 'unknown') AS language,
       count(DISTINCT e.excerpt_id) AS excerpts
FROM excerpt_themes et
JOIN excerpts e ON e.excerpt_id = et.excerpt_id
LEFT JOIN themes th ON th.theme_id = et.theme_id
WHERE $kind IS NULL OR e.kind = $kind
GROUP BY et.theme_id, coalesce(e.language, 'unknown')
ORDER BY et.theme_id, excerpts DESC, language;
