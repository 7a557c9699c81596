-- name: migrate_table_digest
-- description: Row count and a content hash of one table: md5 of its rows, each written as text
--   (every column, in the lake's column order), sorted, joined by newlines. Equal on both sides
--   means the same rows. {source} is a table, qualified or not, and {columns} its checked
--   column names, filled in by store.migrate.
SELECT count(*) AS rows, md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) AS digest
FROM (SELECT CAST(({columns},) AS VARCHAR) AS r FROM {source})
