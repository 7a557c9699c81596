-- name: reading_copy_views
-- description: The views of the session's lake and the statements that create them (they
--   name tables unqualified, so they create the same views in the reading copy).
SELECT view_name, sql
FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal
ORDER BY view_name;
