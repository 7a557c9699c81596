-- name: coding_counts
-- description: Excerpts per theme and where they matched (original or translation).
SELECT t.theme_id, t.label,
       count(DISTINCT et.excerpt_id) AS excerpts,
       count(DISTINCT et.excerpt_id) FILTER (WHERE et.matched_in = 'original') AS in_original,
       count(DISTINCT et.excerpt_id) FILTER (WHERE et.matched_in = 'translation')
           AS in_translation
FROM themes t
LEFT JOIN excerpt_themes et ON et.theme_id = t.theme_id
GROUP BY ALL
ORDER BY excerpts DESC, t.theme_id
