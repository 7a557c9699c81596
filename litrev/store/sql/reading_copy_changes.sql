-- name: reading_copy_changes
-- description: What the commits after snapshot $snapshot changed, one row per kind of change
--   (tables_inserted_into, inlined_delete, tables_created, ...) and table: its name where it is
--   a table of the lake, else the id or name the lake's snapshot list gives.
-- param: snapshot int: the snapshot after which to look
WITH entries AS (
    SELECT unnest(map_entries(s.changes)) AS e
    FROM ducklake_snapshots(current_database()) s
    WHERE s.snapshot_id > $snapshot
), changed AS (
    SELECT e.key AS change, unnest(e.value) AS id
    FROM entries
)
SELECT c.change, coalesce(t.table_name, c.id) AS table_name
FROM changed c
LEFT JOIN ducklake_table_info(current_database()) t ON t.table_id::VARCHAR = c.id;
