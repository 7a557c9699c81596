-- name: merge_work_sources
-- description: Record which source saw which work under which record id, in which run.
INSERT INTO work_sources (work_id, source, source_record_id, deleted, first_run_id, last_run_id,
                          first_seen, last_seen)
SELECT work_id, source, source_record_id, deleted, $run_id, $run_id, $now, $now
FROM batch_work_sources
ON CONFLICT (source, source_record_id, work_id) DO UPDATE SET
    deleted = excluded.deleted,
    last_run_id = excluded.last_run_id,
    last_seen = excluded.last_seen;
