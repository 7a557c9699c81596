-- name: themes_by_language
-- description: How many excerpts each theme holds per language of the excerpt (matched in the
--   original or in the translation), with the theme's label.
-- param: kind text default=: only this kind (abstract, citation_statement, title); empty for all

-- theme_language_counts counts per kind too: an excerpt has one kind, so the kinds add up.
SELECT c.theme_id,
       any_value(th.label) AS label,
       c.language,
       CAST(sum(c.excerpts) AS BIGINT) AS excerpts
FROM theme_language_counts c
LEFT JOIN themes th ON th.theme_id = c.theme_id
WHERE $kind IS NULL OR c.kind = $kind
GROUP BY c.theme_id, c.language
ORDER BY c.theme_id, excerpts DESC, c.language;
