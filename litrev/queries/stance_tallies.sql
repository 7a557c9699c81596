-- name: stance_tallies
-- description: Per cited work, how many citation statements support, mention or contrast it
--   (and how many are unclassified), most cited first.
-- param: min_statements int default=1: only works cited by at least this many statements
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- Counted per cited work in cited_work_tallies; only the works shown are joined for their
-- title and DOI.
WITH tallies AS (
    SELECT *
    FROM cited_work_tallies
    WHERE statements >= $min_statements
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
