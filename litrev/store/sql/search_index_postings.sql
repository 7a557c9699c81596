-- name: search_index_postings
-- description: The postings of one stemmer's index, sorted by term: per term and text, how
--   often the term occurs (tf), the text's length in terms (len) and the language of its
--   excerpt's original (for --lang, so a filtered search drops texts as it reads them). The
--   fts extension's own
--   terms table is in text order, so finding a term's texts scans all of it; sorted by term,
--   a search reads only the blocks of its terms (store.search scores BM25 from these, see
--   search_match). {cache} is the attached cache file's alias, made by store.search from a
--   whitelisted stemmer name, never from input.
CREATE TABLE {cache}.main.postings AS
SELECT t.termid, t.docid, count(*) AS tf, any_value(d.len) AS len,
       any_value(m.excerpt_language) AS excerpt_language
FROM {cache}.fts_main_docs.terms t
JOIN {cache}.fts_main_docs.docs d ON d.docid = t.docid
JOIN {cache}.main.docs m ON m.doc_id = d.name
GROUP BY t.termid, t.docid
ORDER BY t.termid, t.docid
