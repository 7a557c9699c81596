-- name: new_since
-- description: Excerpts first retrieved on or after a day (UTC), newest first: what the last
--   harvests added.
-- param: since date: the first day to include, YYYY-MM-DD
-- param: kind text default=: only this kind (abstract, citation_statement, title); empty for all
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- first_seen is compared as stored (the day's start in UTC), so the files and row groups first
-- seen before that day are skipped unread.
SELECT excerpt_id,
       kind,
       language,
       first_seen,
       source,
       work_title AS title,
       work_year AS year,
       work_doi AS doi,
       text
FROM excerpt_listing
WHERE first_seen >= timezone('UTC', CAST($since AS TIMESTAMP))
  AND ($kind IS NULL OR kind = $kind)
ORDER BY first_seen DESC, work_year DESC NULLS LAST, excerpt_id
LIMIT $limit;
