-- name: excerpts_by_language
-- description: How many excerpts there are per language and kind ('und' = undecided,
--   'unknown' = not detected yet).
-- param: kind text default=: only this kind (abstract, citation_statement, title); empty for all
SELECT coalesce(language, 'unknown') AS language,
       kind,
       count(*) AS excerpts
FROM excerpts
WHERE $kind IS NULL OR kind = $kind
GROUP BY ALL
ORDER BY excerpts DESC, language, kind;
