-- name: ledger_insert_search
-- description: Record one search of a run as PRISMA-S asks: source, platform, the query as
--   sent, filters, limits, update method, date, hits reported, records retrieved and what
--   became of them (duplicates, withdrawn, new, updated, unchanged), status and error. The same
--   search recorded twice in a run (run_id, source, query: kept unique by this MERGE) adds up.
--   The searches come as the relation search_batch (store.ledger.record_searches), each
--   (run_id, source, query) at most once per statement.
MERGE INTO search_log AS s
USING search_batch AS b
ON s.run_id = b.run_id AND s.source = b.source AND s.query = b.query
WHEN MATCHED THEN UPDATE SET
    hits_reported = coalesce(s.hits_reported, 0) + coalesce(b.hits_reported, 0),
    records_retrieved = s.records_retrieved + b.records_retrieved,
    new_records = s.new_records + b.new_records,
    updated_records = s.updated_records + b.updated_records,
    unchanged_records = s.unchanged_records + b.unchanged_records,
    duplicates_within = s.duplicates_within + b.duplicates_within,
    duplicates_across = s.duplicates_across + b.duplicates_across,
    excluded_automation = s.excluded_automation + b.excluded_automation,
    removed_other = s.removed_other + b.removed_other,
    status = CASE WHEN b.status = 'succeeded' THEN s.status ELSE b.status END,
    error = coalesce(s.error, b.error)
WHEN NOT MATCHED THEN INSERT (run_id, source, platform, query, query_key, query_url, filters,
                              limits, update_method, run_date, hits_reported, records_retrieved,
                              new_records, updated_records, unchanged_records, duplicates_within,
                              duplicates_across, excluded_automation, removed_other, status,
                              error)
VALUES (b.run_id, b.source, b.platform, b.query, b.query_key, b.query_url, b.filters, b.limits,
        b.update_method, b.run_date, b.hits_reported, b.records_retrieved, b.new_records,
        b.updated_records, b.unchanged_records, b.duplicates_within, b.duplicates_across,
        b.excluded_automation, b.removed_other, b.status, b.error);
