-- name: citation_statements_of_work
-- description: The citation statements that cite one work, as on its scite page: statement,
--   section, stance, confidence, citing work and year, newest first.
-- param: doi text: DOI of the cited work, e.g. 10.1177/0020764020904764
-- param: limit int default=200: at most this many rows (the CLI says when it stopped there)
SELECT statement,
       section,
       coalesce(stance, 'unclassified') AS stance,
       stance_confidence AS confidence,
       language,
       citing_title AS citing_work,
       citing_doi,
       citing_year AS year,
       source
FROM v_citation_statements
WHERE cited_doi = lower(trim($doi))
ORDER BY citing_year DESC NULLS LAST, citing_title, statement
LIMIT $limit;
