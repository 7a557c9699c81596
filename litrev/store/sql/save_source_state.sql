-- name: save_source_state
-- description: Store (or move forward) the watermark of one query of one source after a
--   successful search, with the run that set it.
-- param: source text: the source's name
-- param: query_key text: the query's key within the source (a term, an endpoint, a file)
-- param: watermark text: where the next run starts (a date, a content hash, a newest id)
-- param: run_id text: the harvest run that succeeded
INSERT INTO source_state (source, query_key, cursor, watermark, run_id, updated_at)
VALUES ($source, $query_key, NULL, $watermark, $run_id, $now)
ON CONFLICT (source, query_key) DO UPDATE SET
    watermark = excluded.watermark,
    run_id = excluded.run_id,
    updated_at = excluded.updated_at;
