-- name: ledger_run_searches
-- description: Every search of one run, as recorded in the ledger, in source order.
-- param: run_id text: the run's id
SELECT source, platform, query, query_key, filters, limits, update_method, run_date,
       hits_reported, records_retrieved, new_records, updated_records, unchanged_records,
       duplicates_within, duplicates_across, removed_other, excluded_automation, status, error
FROM search_log
WHERE run_id = $run_id
ORDER BY source, query;
