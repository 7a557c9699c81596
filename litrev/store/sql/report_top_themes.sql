-- name: report_top_themes
-- description: The themes with the most excerpts (matched in the original or the translation).
-- param: limit int default=5: at most this many themes
SELECT et.theme_id,
       any_value(th.label) AS label,
       count(DISTINCT et.excerpt_id) AS excerpts
FROM excerpt_themes et
LEFT JOIN themes th ON th.theme_id = et.theme_id
GROUP BY et.theme_id
ORDER BY excerpts DESC, et.theme_id
LIMIT $limit;
