-- name: tables_changed_since
-- description: The names of the tables any commit after snapshot $snapshot changed (data
--   inserted, deleted, files merged or the table altered); reads the lake's snapshot list.
-- param: snapshot int: the snapshot after which to look
WITH changed AS (
    SELECT DISTINCT unnest(map_values(s.changes), recursive := true) AS id
    FROM ducklake_snapshots(current_database()) s
    WHERE s.snapshot_id > $snapshot
)
SELECT coalesce(t.table_name, c.id) AS table_name
FROM changed c
LEFT JOIN ducklake_table_info(current_database()) t ON t.table_id::VARCHAR = c.id;
