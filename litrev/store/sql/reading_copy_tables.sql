-- name: reading_copy_tables
-- description: The tables of the session's lake (its default catalog), which the reading copy
--   copies.
SELECT table_name
FROM information_schema.tables
WHERE table_catalog = current_database() AND table_type = 'BASE TABLE'
ORDER BY table_name;
