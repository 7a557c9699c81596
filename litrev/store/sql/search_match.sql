-- name: search_match
-- description: BM25 scores of the texts of one stemmer's index for a query (the fts macro stems
--   the query with the index's stemmer). {cache} is the attached cache file of that stemmer,
--   named by store.search from a whitelisted stemmer name.
SELECT d.excerpt_id, d.field, d.language, d.stemmer, d.text, s.score
FROM (SELECT doc_id, {cache}.fts_main_docs.match_bm25(doc_id, $q) AS score
      FROM {cache}.main.docs) s
JOIN {cache}.main.docs d ON d.doc_id = s.doc_id
WHERE s.score IS NOT NULL
