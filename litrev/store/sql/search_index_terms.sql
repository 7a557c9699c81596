-- name: search_index_terms
-- description: The BM25 index of one stemmer's texts from their term frequencies (the temporary
--   table search_tf, filled by search_index_tf), in the tables the fts extension would build
--   (fts_main_docs.docs: docid, name, len; dict: termid, term, df; stats: num_docs, avgdl) plus
--   the postings that search_match scores from: per term and text, how often the term occurs
--   (tf), the text's length in terms (len) and the language of its excerpt's original (for
--   --lang). Sorted by term, a search reads only the blocks of its terms. The extension's own
--   term table and match_bm25 macro (empty, unused) are dropped. {cache} is the attached cache
--   file's alias, filled in by store.search.
CREATE OR REPLACE TABLE {cache}.fts_main_docs.docs AS
SELECT d.rowid AS docid, d.doc_id AS name, coalesce(l.len, 0)::BIGINT AS len
FROM {cache}.main.docs d
LEFT JOIN (SELECT docid, sum(tf)::BIGINT AS len FROM search_tf GROUP BY docid) l
       ON l.docid = d.rowid
ORDER BY d.rowid;

CREATE OR REPLACE TABLE {cache}.fts_main_docs.dict AS
SELECT (row_number() OVER (ORDER BY term) - 1)::BIGINT AS termid, term, df
FROM (SELECT term, count(*)::BIGINT AS df FROM search_tf GROUP BY term);

CREATE OR REPLACE TABLE {cache}.fts_main_docs.stats AS
SELECT count(*)::BIGINT AS num_docs, avg(len)::DOUBLE AS avgdl FROM {cache}.fts_main_docs.docs;

CREATE TABLE {cache}.main.postings AS
SELECT d.termid, t.docid, t.tf, x.len, m.excerpt_language
FROM search_tf t
JOIN {cache}.fts_main_docs.dict d USING (term)
JOIN {cache}.fts_main_docs.docs x ON x.docid = t.docid
JOIN {cache}.main.docs m ON m.rowid = t.docid
ORDER BY d.termid, t.docid;

DROP MACRO {cache}.fts_main_docs.match_bm25;
DROP TABLE {cache}.fts_main_docs.terms;
DROP TABLE search_tf;
