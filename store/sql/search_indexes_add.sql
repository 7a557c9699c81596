-- name: search_indexes_add
-- description: Record one full-text index built by refresh_index.
-- param: stemmer text: the Snowball stemmer
-- param: table_name text: its indexed table
-- param: docs int: texts in it
-- param: now text: when it was built (TIMESTAMPTZ)
INSERT INTO search_indexes VALUES ($stemmer, $table_name, $docs, CAST($now AS TIMESTAMPTZ))
