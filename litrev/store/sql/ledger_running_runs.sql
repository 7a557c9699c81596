-- name: ledger_running_runs
-- description: The harvest runs still marked running (live, or left open by a killed process).
SELECT run_id
FROM harvest_runs
WHERE status = 'running'
ORDER BY started_at, run_id;
