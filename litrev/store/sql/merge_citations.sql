-- name: merge_citations
-- description: Add citing -> cited links, one row per source that reported the link (the key
--   citing_work_id, cited_work_id, source is kept unique by this MERGE). A link seen again is
--   not rewritten: the ledger records the search that saw it.
MERGE INTO citations AS c
USING (SELECT DISTINCT citing_work_id, cited_work_id, source FROM batch_citations) AS b
ON c.citing_work_id = b.citing_work_id AND c.cited_work_id = b.cited_work_id
   AND c.source = b.source
WHEN NOT MATCHED THEN INSERT (citing_work_id, cited_work_id, source, first_seen, last_seen)
VALUES (b.citing_work_id, b.cited_work_id, b.source, $now, $now);
