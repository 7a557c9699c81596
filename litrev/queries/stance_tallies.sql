-- name: stance_tallies
-- description: Per cited work, how many citation statements support, mention or contrast it
--   (and how many are unclassified), most cited first.
-- param: min_statements int default=1: only works cited by at least this many statements
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)
SELECT cited_work_id,
       any_value(cited_title) AS cited_title,
       any_value(cited_doi) AS cited_doi,
       count(*) FILTER (WHERE stance = 'supporting') AS supporting,
       count(*) FILTER (WHERE stance = 'mentioning') AS mentioning,
       count(*) FILTER (WHERE stance = 'contrasting') AS contrasting,
       count(*) FILTER (WHERE stance IS NULL) AS unclassified,
       count(*) AS statements,
       count(DISTINCT citing_work_id) AS citing_works
FROM v_citation_statements
WHERE cited_work_id IS NOT NULL
GROUP BY cited_work_id
HAVING count(*) >= $min_statements
ORDER BY statements DESC, cited_work_id
LIMIT $limit;
