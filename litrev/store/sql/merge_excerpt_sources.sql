-- name: merge_excerpt_sources
-- description: Record every source that delivered an excerpt (one excerpt, many sources; the
--   key excerpt_id, source, source_record_id is kept unique by this MERGE). A pair seen again
--   is not rewritten: the ledger records the search that saw it.
MERGE INTO excerpt_sources AS s
USING (SELECT DISTINCT excerpt_id, source, source_record_id FROM batch_excerpt_sources) AS b
ON s.excerpt_id = b.excerpt_id AND s.source = b.source
   AND s.source_record_id = b.source_record_id
WHEN NOT MATCHED THEN INSERT (excerpt_id, source, source_record_id, first_seen, last_seen)
VALUES (b.excerpt_id, b.source, b.source_record_id, $now, $now);
