-- name: search_indexes_list
-- description: The full-text indexes built so far, with the fingerprint of the texts indexed.
SELECT stemmer, table_name, docs, fingerprint, built_at FROM search_indexes ORDER BY stemmer
