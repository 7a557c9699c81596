-- name: ledger_finish_run
-- description: Close a harvest run: its final status, when it finished, and its summary.
-- param: run_id text: the run's id
-- param: status text: succeeded, partial or failed
-- param: finished_at text: when the run finished (UTC)
-- param: summary text: the run summary as JSON
UPDATE harvest_runs
SET status = $status, finished_at = $finished_at, summary = CAST($summary AS JSON)
WHERE run_id = $run_id;
