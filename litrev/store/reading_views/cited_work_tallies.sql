-- name: cited_work_tallies
-- description: Per cited work, its citation statements counted by stance, and how many works
--   cite it (stance_tallies reads this).
SELECT cited_work_id,
       count(*) FILTER (WHERE stance = 'supporting') AS supporting,
       count(*) FILTER (WHERE stance = 'mentioning') AS mentioning,
       count(*) FILTER (WHERE stance = 'contrasting') AS contrasting,
       count(*) FILTER (WHERE stance IS NULL) AS unclassified,
       count(*) AS statements,
       count(DISTINCT work_id) AS citing_works
FROM excerpts
WHERE kind = 'citation_statement' AND cited_work_id IS NOT NULL
GROUP BY cited_work_id
