-- name: migrate_copy_table
-- description: Copy one table of an earlier litrev's DuckDB file (attached as {old}) into the
--   lake, by column name. {old}, {table} and {columns} are filled in by store.migrate from the
--   lake's own table and column names (checked identifiers), never from input.
INSERT INTO {table} ({columns}) SELECT {columns} FROM {old}.main.{table}
