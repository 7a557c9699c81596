-- name: ledger_insert_search
-- description: Record one search of a run as PRISMA-S asks: source, platform, the query as
--   sent, filters, limits, update method, date, hits reported, records retrieved and what
--   became of them (duplicates, withdrawn, new, updated, unchanged), status and error.
INSERT INTO search_log (run_id, source, platform, query, query_key, query_url, filters, limits,
                        update_method, run_date, hits_reported, records_retrieved, new_records,
                        updated_records, unchanged_records, duplicates_within, duplicates_across,
                        excluded_automation, removed_other, status, error)
VALUES ($run_id, $source, $platform, $query, $query_key, $query_url, $filters, $limits,
        $update_method, $run_date, $hits_reported, $records_retrieved, $new_records,
        $updated_records, $unchanged_records, $duplicates_within, $duplicates_across,
        $excluded_automation, $removed_other, $status, $error)
ON CONFLICT (run_id, source, query) DO UPDATE SET
    hits_reported = coalesce(search_log.hits_reported, 0) + coalesce(excluded.hits_reported, 0),
    records_retrieved = search_log.records_retrieved + excluded.records_retrieved,
    new_records = search_log.new_records + excluded.new_records,
    updated_records = search_log.updated_records + excluded.updated_records,
    unchanged_records = search_log.unchanged_records + excluded.unchanged_records,
    duplicates_within = search_log.duplicates_within + excluded.duplicates_within,
    duplicates_across = search_log.duplicates_across + excluded.duplicates_across,
    excluded_automation = search_log.excluded_automation + excluded.excluded_automation,
    removed_other = search_log.removed_other + excluded.removed_other,
    status = CASE WHEN excluded.status = 'succeeded' THEN search_log.status
                  ELSE excluded.status END,
    error = coalesce(search_log.error, excluded.error);
