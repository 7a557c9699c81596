-- name: prisma_counts
-- description: PRISMA 2020 identification counts per source over the runs started on or after
--   a date: records identified, duplicates removed (within a run, across sources, and already
--   found by an earlier run), withdrawn, excluded by automation, records to screen. Runs that
--   did not finish (running, interrupted) are not counted as runs; searches they committed are.
-- param: since date default=1900-01-01: only runs started on or after this date
SELECT s.source,
       string_agg(DISTINCT s.platform, '; ' ORDER BY s.platform) AS platform,
       count(DISTINCT s.run_id) FILTER (WHERE r.status NOT IN ('running', 'interrupted'))
           AS runs,
       count(*) AS searches,
       sum(s.hits_reported) AS hits_reported,
       sum(s.records_retrieved) AS records_identified,
       sum(s.duplicates_within + s.duplicates_across) AS duplicates_in_run,
       sum(s.updated_records + s.unchanged_records) AS found_before,
       sum(s.removed_other) AS withdrawn,
       sum(s.excluded_automation) AS excluded_by_automation,
       sum(s.new_records) - sum(s.excluded_automation) AS records_screened,
       count(*) FILTER (WHERE s.status <> 'succeeded') AS failed_searches
FROM search_log s
JOIN harvest_runs r USING (run_id)
WHERE r.started_at >= $since
GROUP BY s.source
ORDER BY s.source;
