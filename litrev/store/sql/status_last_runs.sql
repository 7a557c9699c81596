-- name: status_last_runs
-- description: The five most recent harvest runs with their totals.
SELECT r.run_id, r.started_at, r.finished_at, r.status, r.trigger,
       coalesce(sum(s.records_retrieved), 0) AS records_retrieved,
       coalesce(sum(s.new_records), 0) AS new_records,
       count(*) FILTER (WHERE s.status = 'failed') AS failed_sources
FROM harvest_runs r
LEFT JOIN search_log s USING (run_id)
GROUP BY ALL
ORDER BY r.started_at DESC
LIMIT 5;
