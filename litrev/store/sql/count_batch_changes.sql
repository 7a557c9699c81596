-- name: count_batch_changes
-- description: Per source, how many of the batch's primary works are new, updated or
--   unchanged compared with what is stored (run before the merge).
SELECT ws.source,
       count(DISTINCT ws.work_id) FILTER (WHERE w.work_id IS NULL) AS new_records,
       count(DISTINCT ws.work_id) FILTER (WHERE w.work_id IS NOT NULL
                                          AND w.content_hash IS DISTINCT FROM bw.content_hash)
           AS updated_records,
       count(DISTINCT ws.work_id) FILTER (WHERE w.work_id IS NOT NULL
                                          AND w.content_hash IS NOT DISTINCT FROM bw.content_hash)
           AS unchanged_records
FROM batch_work_sources ws
JOIN batch_works bw USING (work_id)
LEFT JOIN works w USING (work_id)
WHERE ws.is_primary
GROUP BY ws.source
ORDER BY ws.source;
