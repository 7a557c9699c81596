-- name: tables_changed_since
-- description: The names of the tables whose rows any commit after snapshot $snapshot changed
--   (data inserted or deleted, the table created or altered); reads the lake's snapshot list.
--   Compaction (merge_adjacent: the same rows in fewer files, run after a harvest) changes no
--   row, so it does not count: a quiet night after a compacting run may still reuse counts.
-- param: snapshot int: the snapshot after which to look
WITH entries AS (
    SELECT unnest(map_entries(s.changes)) AS e
    FROM ducklake_snapshots(current_database()) s
    WHERE s.snapshot_id > $snapshot
), changed AS (
    SELECT DISTINCT unnest(e.value) AS id
    FROM entries
    WHERE e.key <> 'merge_adjacent'
)
SELECT coalesce(t.table_name, c.id) AS table_name
FROM changed c
LEFT JOIN ducklake_table_info(current_database()) t ON t.table_id::VARCHAR = c.id;
