-- name: prisma_counts
-- description: PRISMA 2020 identification counts per source over all runs since a date:
--   records identified, duplicates removed, excluded by automation, records screened.
-- param: since date default=1900-01-01: only runs started on or after this date
SELECT s.source,
       any_value(s.platform) AS platform,
       count(DISTINCT s.run_id) AS runs,
       sum(s.hits_reported) AS hits_reported,
       sum(s.records_retrieved) AS records_identified,
       sum(s.duplicates_within + s.duplicates_across) AS duplicates_removed,
       sum(s.excluded_automation) AS excluded_by_automation,
       sum(s.records_retrieved) - sum(s.duplicates_within + s.duplicates_across)
           - sum(s.excluded_automation) AS records_screened,
       count(*) FILTER (WHERE s.status <> 'succeeded') AS failed_searches
FROM search_log s
JOIN harvest_runs r USING (run_id)
WHERE r.started_at >= $since
GROUP BY s.source
ORDER BY s.source;
