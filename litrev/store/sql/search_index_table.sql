-- name: search_index_table
-- description: (Re)build the table one fts index covers: the texts of one stemmer. {table} is
--   filled in by store.search.index_table() from a whitelisted stemmer name, never from input.
-- param: stemmer text: the Snowball stemmer
CREATE OR REPLACE TABLE {table} AS
SELECT doc_id, text FROM search_docs WHERE stemmer = $stemmer ORDER BY doc_id
