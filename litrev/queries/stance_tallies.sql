-- name: stance_tallies
-- description: Per cited work, how many citation statements support, mention or contrast it
--   (and how many are unclassified), most cited first.
-- param: min_statements int default=1: only works cited by at least this many statements
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- Counted on the excerpts alone, and only the works shown are joined for their title and DOI
-- (joining every statement to its works first was most of the time on a large corpus).
WITH tallies AS (
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
    HAVING count(*) >= $min_statements
    ORDER BY statements DESC, cited_work_id
    LIMIT $limit
)
SELECT t.cited_work_id,
       cw.title AS cited_title,
       cw.doi AS cited_doi,
       t.supporting,
       t.mentioning,
       t.contrasting,
       t.unclassified,
       t.statements,
       t.citing_works
FROM tallies t
LEFT JOIN works cw ON cw.work_id = t.cited_work_id
ORDER BY t.statements DESC, t.cited_work_id;
