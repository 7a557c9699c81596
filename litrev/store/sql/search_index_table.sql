-- name: search_index_table
-- description: The (still empty) table of one stemmer's texts in its own cache file: the fts
--   extension's index is created on it empty (search_index_create), for its tokenizer and stop
--   words, before search_index_fill adds the texts. {cache} is the attached cache file's alias,
--   made by store.search from a whitelisted stemmer name, never from input.
CREATE TABLE {cache}.main.docs AS
SELECT doc_id, excerpt_id, field, language, stemmer, text, raw, kind, work_id, text_hash,
       excerpt_language, status, title, year, doi
FROM search_docs LIMIT 0
