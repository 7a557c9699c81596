-- name: themes_by_language
-- description: How many excerpts each theme holds per language of the excerpt (matched in the
--   original or in the translation), with the theme's label.
-- param: kind text default=: only this kind (abstract, citation_statement, title); empty for all

-- coded_excerpts holds one row per theme and excerpt: count(*) counts excerpts.
SELECT c.theme_id,
       any_value(th.label) AS label,
       coalesce(c.language, 'unknown') AS language,
       count(*) AS excerpts
FROM coded_excerpts c
LEFT JOIN themes th ON th.theme_id = c.theme_id
WHERE $kind IS NULL OR c.kind = $kind
GROUP BY c.theme_id, coalesce(c.language, 'unknown')
ORDER BY c.theme_id, excerpts DESC, language;
