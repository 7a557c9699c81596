-- name: search_index_fill
-- description: The texts of one stemmer into its cache file's table, in doc_id order (a text's
--   row number is its docid in the index). {cache} is the attached cache file's alias, made by
--   store.search from a whitelisted stemmer name, never from input.
-- param: stemmer text: the Snowball stemmer whose texts these are
INSERT INTO {cache}.main.docs
SELECT doc_id, excerpt_id, field, language, stemmer, text, raw, kind, work_id, text_hash,
       excerpt_language, status, title, year, doi
FROM search_docs WHERE stemmer = $stemmer ORDER BY doc_id
