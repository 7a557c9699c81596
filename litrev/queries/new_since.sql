-- name: new_since
-- description: Excerpts first retrieved on or after a day (UTC), newest first: what the last
--   harvests added.
-- param: since date: the first day to include, YYYY-MM-DD
-- param: kind text default=: only this kind (abstract, citation_statement, title); empty for all
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)
SELECT e.excerpt_id,
       e.kind,
       e.language,
       e.first_seen,
       e.source,
       w.title,
       w.year,
       w.doi,
       e.text
FROM excerpts e
LEFT JOIN works w ON w.work_id = e.work_id
WHERE CAST(timezone('UTC', e.first_seen) AS DATE) >= $since
  AND ($kind IS NULL OR e.kind = $kind)
ORDER BY e.first_seen DESC, w.year DESC NULLS LAST, e.excerpt_id
LIMIT $limit;
