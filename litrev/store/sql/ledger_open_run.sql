-- name: ledger_open_run
-- description: Start a harvest run in the search ledger (status running until it is finished);
--   a run id already there is left as it is (run_id kept unique by the NOT EXISTS). A plain
--   INSERT of one row is inlined in the lake's catalog (a MERGE would write a Parquet file of
--   one row per run, which the run's UPDATE deletes from: files no compaction merges).
-- param: run_id text: the run's id
-- param: review_name text: the review profile's name
-- param: started_at text: when the run started (UTC)
-- param: trigger text: cli, schedule, deployment or demo
-- param: flow_run_id text default=: the Prefect flow run, when there is one
-- param: since date default=: the --since date asked for, if any
-- param: record_limit int default=: the --limit asked for, if any
INSERT INTO harvest_runs (run_id, review_name, started_at, status, trigger, flow_run_id, since,
                          record_limit)
SELECT $run_id, $review_name, $started_at, 'running', $trigger, $flow_run_id, $since,
       $record_limit
WHERE NOT EXISTS (SELECT 1 FROM harvest_runs WHERE run_id = $run_id);
