-- name: save_source_state
-- description: Store (or move forward) the watermark of each query of a source after a
--   successful search, with the run that set it (source, query_key kept unique by this MERGE).
--   The watermarks come as the relation watermark_batch (source, query_key, watermark: where
--   the next run starts, run_id, updated_at), each (source, query_key) at most once.
MERGE INTO source_state AS s
USING watermark_batch AS b
ON s.source = b.source AND s.query_key = b.query_key
WHEN MATCHED THEN UPDATE SET
    watermark = b.watermark,
    run_id = b.run_id,
    updated_at = b.updated_at
WHEN NOT MATCHED THEN INSERT (source, query_key, cursor, watermark, run_id, updated_at)
VALUES (b.source, b.query_key, NULL, b.watermark, b.run_id, b.updated_at);
