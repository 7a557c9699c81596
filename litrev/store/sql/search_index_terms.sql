-- name: search_index_terms
-- description: The BM25 index of one stemmer's texts, in the tables the fts extension would
--   build (fts_main_docs.docs: docid, name, len; dict: termid, term, df; stats: num_docs, avgdl)
--   plus the postings that search_match scores from: per term and text, how often the term
--   occurs (tf), the text's length in terms (len) and the language of its excerpt's original
--   (for --lang). Tokenized by the index's own tokenize macro, stop words dropped as the
--   extension drops them; each distinct word is stemmed once (the extension stems every
--   occurrence: 6.4 million stems for 120,000 English abstracts, where 5,576 distinct words
--   give the same terms), so the same terms, lengths and frequencies cost half the time.
--   Sorted by term, a search reads only the blocks of its terms. The extension's own term
--   table and match_bm25 macro (emptied, unused) are dropped. {cache} is the attached cache
--   file's alias and {stemmer} a whitelisted stemmer name, both filled in by store.search.
CREATE OR REPLACE TEMPORARY TABLE search_tf AS
WITH tokens AS MATERIALIZED (
    SELECT docid, w
    FROM (SELECT rowid AS docid, unnest({cache}.fts_main_docs.tokenize(text)) AS w
          FROM {cache}.main.docs)
    WHERE w IS NOT NULL AND w <> ''
      AND w NOT IN (SELECT sw FROM {cache}.fts_main_docs.stopwords)
),
stems AS (
    SELECT w, CASE WHEN '{stemmer}' = 'none' THEN w ELSE stem(w, '{stemmer}') END AS term
    FROM (SELECT DISTINCT w FROM tokens)
)
SELECT t.docid, s.term, count(*)::BIGINT AS tf
FROM tokens t JOIN stems s USING (w)
GROUP BY t.docid, s.term;

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
