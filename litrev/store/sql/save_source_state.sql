-- name: save_source_state
-- description: Store (or move forward) the watermark of one query of one source after a
--   successful search, with the run that set it (source, query_key kept unique by this MERGE).
-- param: source text: the source's name
-- param: query_key text: the query's key within the source (a term, an endpoint, a file)
-- param: watermark text: where the next run starts (a date, a content hash, a newest id)
-- param: run_id text: the harvest run that succeeded
MERGE INTO source_state AS s
USING (SELECT $source AS source, $query_key AS query_key, $watermark AS watermark,
              $run_id AS run_id, $now AS updated_at) AS b
ON s.source = b.source AND s.query_key = b.query_key
WHEN MATCHED THEN UPDATE SET
    watermark = b.watermark,
    run_id = b.run_id,
    updated_at = b.updated_at
WHEN NOT MATCHED THEN INSERT (source, query_key, cursor, watermark, run_id, updated_at)
VALUES (b.source, b.query_key, NULL, b.watermark, b.run_id, b.updated_at);
