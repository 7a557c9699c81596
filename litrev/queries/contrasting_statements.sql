-- name: contrasting_statements
-- description: Citation statements whose stance is contrasting: statement, section, confidence,
--   the citing work and the work it contradicts, most confident first.
-- param: cited_doi text default=: only statements citing this DOI; empty for all
-- param: min_confidence float default=0: only statements classified at least this confidently
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- v_citation_statements carries the citing and the cited work's title and DOI.
SELECT excerpt_id,
       statement,
       section,
       stance_confidence AS confidence,
       language,
       citing_title AS citing_work,
       citing_doi,
       citing_year AS year,
       cited_title AS cited_work,
       cited_doi
FROM v_citation_statements
WHERE stance = 'contrasting'
  AND ($cited_doi IS NULL OR cited_work_id IN (
        SELECT work_id FROM works WHERE doi = lower(trim($cited_doi))))
  AND coalesce(stance_confidence, 0) >= $min_confidence
ORDER BY stance_confidence DESC NULLS LAST, citing_year DESC NULLS LAST, excerpt_id
LIMIT $limit;
