-- name: search_indexes_add
-- description: Record one full-text index built by refresh_index.
-- param: stemmer text: the Snowball stemmer
-- param: table_name text: its indexed table
-- param: docs int: texts in it
-- param: fingerprint text: fingerprint of those texts (from search_stemmers)
-- param: now text: when it was built (TIMESTAMPTZ)
INSERT INTO search_indexes (stemmer, table_name, docs, fingerprint, built_at)
VALUES ($stemmer, $table_name, $docs, $fingerprint, CAST($now AS TIMESTAMPTZ))
