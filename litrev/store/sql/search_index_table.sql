-- name: search_index_table
-- description: The table one fts index covers, in its own cache file: the texts of one stemmer.
--   {cache} is the attached cache file's alias, made by store.search from a whitelisted
--   stemmer name, never from input.
CREATE TABLE {cache}.main.docs AS
SELECT doc_id, excerpt_id, field, language, stemmer, text, raw, kind, work_id, text_hash,
       excerpt_language, status, title, year, doi
FROM search_docs WHERE stemmer = $stemmer ORDER BY doc_id
