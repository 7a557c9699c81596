-- name: ledger_mark_interrupted
-- description: Close a run that no live process holds any more (killed, Ctrl-C, power lost) as
--   interrupted; what it committed stays. A run already closed is left as it is.
-- param: run_id text: the run's id
-- param: finished_at text: when it was found interrupted (UTC)
UPDATE harvest_runs
SET status = 'interrupted', finished_at = $finished_at
WHERE run_id = $run_id AND status = 'running';
