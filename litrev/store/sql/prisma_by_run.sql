-- name: prisma_by_run
-- description: PRISMA 2020 identification counts of each run started on or after a date, for
--   an updated (living) review: what each update identified, removed and left to screen.
-- param: since date default=1900-01-01: only runs started on or after this date
SELECT r.run_id,
       r.started_at,
       r.status,
       r.trigger,
       count(s.source) AS searches,
       coalesce(sum(s.records_retrieved), 0) AS records_identified,
       coalesce(sum(s.duplicates_within + s.duplicates_across), 0) AS duplicates_in_run,
       coalesce(sum(s.updated_records + s.unchanged_records), 0) AS found_before,
       coalesce(sum(s.removed_other), 0) AS withdrawn,
       coalesce(sum(s.excluded_automation), 0) AS excluded_by_automation,
       coalesce(sum(s.new_records) - sum(s.excluded_automation), 0) AS records_screened,
       count(*) FILTER (WHERE s.status <> 'succeeded') AS failed_searches
FROM harvest_runs r
LEFT JOIN search_log s USING (run_id)
WHERE r.started_at >= $since
GROUP BY ALL
ORDER BY r.started_at, r.run_id;
