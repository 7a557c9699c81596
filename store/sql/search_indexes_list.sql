-- name: search_indexes_list
-- description: The full-text indexes built by the last refresh.
SELECT stemmer, table_name, docs, built_at FROM search_indexes ORDER BY stemmer
