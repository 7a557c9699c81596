-- name: 003_fulltext_statements
-- description: Citation statements read from open full text (extract.jats): the sentence as
--   printed with its citation markers (text holds the clean copy that is detected, translated
--   and coded), the sentences before and after it, the normalised kind of its section, and how
--   the cited work was found in the reference list (doi | title_year_author).

ALTER TABLE excerpts ADD COLUMN marked_text VARCHAR;
ALTER TABLE excerpts ADD COLUMN context_before VARCHAR;
ALTER TABLE excerpts ADD COLUMN context_after VARCHAR;
ALTER TABLE excerpts ADD COLUMN section_kind VARCHAR;   -- introduction | methods | results | discussion | other
ALTER TABLE excerpts ADD COLUMN match_method VARCHAR;   -- doi | title_year_author

CREATE OR REPLACE VIEW v_citation_statements AS
SELECT
    e.excerpt_id, e.text AS statement, e.section, e.stance, e.stance_confidence,
    e.intents, e.is_influential, e.language,
    e.work_id AS citing_work_id, w.title AS citing_title, w.year AS citing_year,
    w.authors AS citing_authors, w.doi AS citing_doi,
    e.cited_work_id, cw.title AS cited_title, cw.doi AS cited_doi,
    e.source, e.synthetic, e.first_seen,
    e.section_kind, e.marked_text, e.context_before, e.context_after, e.match_method, e.origin
FROM excerpts e
LEFT JOIN works w ON w.work_id = e.work_id
LEFT JOIN works cw ON cw.work_id = e.cited_work_id
WHERE e.kind = 'citation_statement';
