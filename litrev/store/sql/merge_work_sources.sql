-- name: merge_work_sources
-- description: Record which source saw which work under which record id, in which run (the key
--   source, source_record_id, work_id is kept unique by this MERGE). A row is rewritten only
--   when its deleted flag changes (then last_run_id and last_seen move): seeing it again
--   unchanged is recorded by the ledger, not by rewriting the row.
MERGE INTO work_sources AS s
USING (SELECT work_id, source, source_record_id, bool_or(deleted) AS deleted
       FROM batch_work_sources GROUP BY ALL) AS b
ON s.source = b.source AND s.source_record_id = b.source_record_id AND s.work_id = b.work_id
WHEN MATCHED AND s.deleted IS DISTINCT FROM b.deleted THEN UPDATE SET
    deleted = b.deleted,
    last_run_id = $run_id,
    last_seen = $now
WHEN NOT MATCHED THEN INSERT (work_id, source, source_record_id, deleted, first_run_id,
                              last_run_id, first_seen, last_seen)
VALUES (b.work_id, b.source, b.source_record_id, b.deleted, $run_id, $run_id, $now, $now);
