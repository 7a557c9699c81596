-- name: search_index_drop
-- description: Drop the fts index and the table of a stemmer no longer in the corpus. {table}
--   is filled in by store.search.index_table() from a whitelisted stemmer name.
PRAGMA drop_fts_index('{table}');
DROP TABLE IF EXISTS {table};
