-- name: ledger_open_run
-- description: Start a harvest run in the search ledger (status running until it is finished);
--   a run id already there is left as it is (run_id kept unique by this MERGE).
-- param: run_id text: the run's id
-- param: review_name text: the review profile's name
-- param: started_at text: when the run started (UTC)
-- param: trigger text: cli, schedule, deployment or demo
-- param: flow_run_id text default=: the Prefect flow run, when there is one
-- param: since date default=: the --since date asked for, if any
-- param: record_limit int default=: the --limit asked for, if any
MERGE INTO harvest_runs AS r
USING (SELECT $run_id AS run_id) AS b
ON r.run_id = b.run_id
WHEN NOT MATCHED THEN INSERT (run_id, review_name, started_at, status, trigger, flow_run_id,
                              since, record_limit)
VALUES ($run_id, $review_name, $started_at, 'running', $trigger, $flow_run_id, $since,
        $record_limit);
