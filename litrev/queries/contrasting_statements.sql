-- name: contrasting_statements
-- description: Citation statements whose stance is contrasting: statement, section, confidence,
--   the citing work and the work it contradicts, most confident first.
-- param: cited_doi text default=: only statements citing this DOI; empty for all
-- param: min_confidence float default=0: only statements classified at least this confidently
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- The rows shown are chosen on the statements and their citing works; only they are joined to
-- the works they cite.
WITH chosen AS (
    SELECT e.excerpt_id, e.text AS statement, e.section, e.stance_confidence, e.language,
           e.cited_work_id, w.title AS citing_title, w.doi AS citing_doi, w.year AS citing_year
    FROM excerpts e
    LEFT JOIN works w ON w.work_id = e.work_id
    WHERE e.kind = 'citation_statement'
      AND e.stance = 'contrasting'
      AND ($cited_doi IS NULL OR e.cited_work_id IN (
            SELECT work_id FROM works WHERE doi = lower(trim($cited_doi))))
      AND coalesce(e.stance_confidence, 0) >= $min_confidence
    ORDER BY e.stance_confidence DESC NULLS LAST, w.year DESC NULLS LAST, e.excerpt_id
    LIMIT $limit
)
SELECT c.excerpt_id,
       c.statement,
       c.section,
       c.stance_confidence AS confidence,
       c.language,
       c.citing_title AS citing_work,
       c.citing_doi,
       c.citing_year AS year,
       cw.title AS cited_work,
       cw.doi AS cited_doi
FROM chosen c
LEFT JOIN works cw ON cw.work_id = c.cited_work_id
ORDER BY c.stance_confidence DESC NULLS LAST, c.citing_year DESC NULLS LAST, c.excerpt_id;
