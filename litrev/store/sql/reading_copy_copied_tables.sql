-- name: reading_copy_copied_tables
-- description: The tables of an earlier reading copy attached as $alias.
-- param: alias text: the alias the earlier copy is attached under
SELECT table_name
FROM information_schema.tables
WHERE table_catalog = $alias AND table_type = 'BASE TABLE';
