-- name: report_overview
-- description: The headline counts of the run report: works, excerpts, citation statements,
--   seed works, synthetic records, harvest runs and the last run's date.
SELECT (SELECT count(*) FROM works) AS works,
       (SELECT count(*) FROM works WHERE synthetic) AS synthetic_works,
       (SELECT count(*) FROM works WHERE is_seed) AS seed_works,
       (SELECT count(*) FROM excerpts) AS excerpts,
       (SELECT count(*) FROM excerpts e LEFT JOIN works w USING (work_id)
         WHERE e.synthetic OR coalesce(w.synthetic, false)) AS synthetic_excerpts,
       (SELECT count(*) FROM excerpts WHERE kind = 'citation_statement') AS citation_statements,
       (SELECT count(DISTINCT language) FROM excerpts WHERE language IS NOT NULL
         AND language <> 'und') AS languages,
       (SELECT count(*) FROM harvest_runs) AS runs,
       (SELECT max(started_at) FROM harvest_runs) AS last_run_started;
