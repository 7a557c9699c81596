-- name: backlog_of_last_run
-- description: The translation backlog the last finished harvest run into this target
--   language recorded (JSON, from its summary), and the snapshot its closing commit named
--   after it; no row when there is none. Reads the ledger and the lake's snapshot list only.
-- param: target text: the review's target language, e.g. en
SELECT json_extract(r.summary, '$.translation_backlog') AS backlog,
       (SELECT max(s.snapshot_id) FROM ducklake_snapshots(current_database()) s
        WHERE s.commit_message = r.run_id) AS snapshot_id
FROM harvest_runs r
WHERE r.finished_at IS NOT NULL
  AND json_extract_string(r.summary, '$.translation.target_language') = $target
  AND json_extract(r.summary, '$.translation_backlog') IS NOT NULL
ORDER BY r.finished_at DESC
LIMIT 1;
