-- name: reading_copy_drop_table
-- description: Drop a table of a new reading copy (attached as {out}) that was copied from an
--   earlier one but changed since: it is copied or stored again. Identifiers checked by
--   store.reading_copy.
DROP TABLE {out}.main.{table};
