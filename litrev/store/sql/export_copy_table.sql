-- name: export_copy_table
-- description: Copy one lake table into a plain DuckDB file attached as {out}. {out} and
--   {table} are filled in by store.migrate from the lake's own table names (checked), never
--   from input.
CREATE TABLE {out}.main.{table} AS SELECT * FROM {table}
