-- name: coded_excerpts
-- description: One row per theme and excerpt coded with it (an excerpt matched in both its
--   original and its translation is one row), with the excerpt's text, kind and language and
--   its work's year, title and DOI: the saved queries that count or list themes read this.
SELECT c.theme_id, e.excerpt_id, e.kind, e.language, e.text, e.text_hash, e.work_id,
       w.year AS work_year, w.title AS work_title, w.doi AS work_doi
FROM (SELECT DISTINCT theme_id, excerpt_id FROM excerpt_themes) c
JOIN excerpts e ON e.excerpt_id = c.excerpt_id
LEFT JOIN works w ON w.work_id = e.work_id
