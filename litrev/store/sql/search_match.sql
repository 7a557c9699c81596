-- name: search_match
-- description: BM25 scores of the texts of one stemmer's index for a query (the fts macro stems
--   the query with the index's stemmer). {table} is filled in by store.search.index_table().
-- param: q text: the search text
SELECT d.excerpt_id, d.field, d.language, d.stemmer, d.text, s.score
FROM (SELECT doc_id, fts_main_{table}.match_bm25(doc_id, $q) AS score FROM {table}) s
JOIN search_docs d ON d.doc_id = s.doc_id
WHERE s.score IS NOT NULL
