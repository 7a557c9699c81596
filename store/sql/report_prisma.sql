-- name: report_prisma
-- description: PRISMA 2020 identification counts per source over all runs: records
--   identified, duplicates removed, records already in the corpus from earlier runs, records
--   excluded by automation, removed for other reasons (withdrawn), and records screened (new
--   records less those excluded by automation, as in prisma_by_source).
SELECT s.source,
       any_value(s.platform) AS platform,
       count(DISTINCT s.run_id) AS runs,
       count(*) AS searches,
       sum(s.hits_reported) AS hits_reported,
       sum(s.records_retrieved) AS identified,
       sum(s.duplicates_within + s.duplicates_across) AS duplicates,
       sum(s.unchanged_records + s.updated_records) AS already_stored,
       sum(s.excluded_automation) AS excluded_automation,
       sum(s.removed_other) AS removed_other,
       sum(s.new_records) - sum(s.excluded_automation) AS screened,
       count(*) FILTER (WHERE s.status <> 'succeeded') AS failed_searches
FROM search_log s
GROUP BY s.source
ORDER BY s.source;
