-- name: report_seed_stances
-- description: Stance tallies of the citation statements that cite a seed work, per seed and
--   stance ('unclassified' where the source gives none), real and synthetic apart.
SELECT cw.work_id AS seed_work_id,
       cw.doi AS seed_doi,
       cw.title AS seed_title,
       coalesce(e.stance, 'unclassified') AS stance,
       e.synthetic OR coalesce(w.synthetic, false) AS synthetic,
       count(*) AS statements
FROM excerpts e
JOIN works cw ON cw.work_id = e.cited_work_id AND cw.is_seed
LEFT JOIN works w ON w.work_id = e.work_id
WHERE e.kind = 'citation_statement'
GROUP BY ALL
ORDER BY seed_work_id, stance, synthetic;
