-- name: excerpt_listing
-- description: Every excerpt with its work's title, year and DOI beside it (work_title,
--   work_year, work_doi): the saved queries that list excerpts in their works' order read this.
--   In the reading copy it is a table sorted by year (newest first), title and excerpt, so a
--   query that wants the first few hundred rows in that order reads a few blocks of it.
SELECT e.*, w.title AS work_title, w.year AS work_year, w.doi AS work_doi
FROM excerpts e
LEFT JOIN works w ON w.work_id = e.work_id
