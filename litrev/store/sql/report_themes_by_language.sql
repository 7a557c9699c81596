-- name: report_themes_by_language
-- description: Excerpts per theme and language (an excerpt counts once per theme, whether it
--   matched in its original or its translation); every theme of the codebook is listed.
SELECT th.theme_id,
       th.label,
       coalesce(e.language, 'unknown') AS language,
       count(DISTINCT e.excerpt_id) AS excerpts
FROM themes th
LEFT JOIN excerpt_themes et ON et.theme_id = th.theme_id
LEFT JOIN excerpts e ON e.excerpt_id = et.excerpt_id
GROUP BY ALL
ORDER BY th.theme_id, language;
