-- name: search_content_snapshot
-- description: The latest snapshot, up to the one the session reads, that changed the searched
--   tables (rows inserted, deleted or compacted, named by table id, or the table created or
--   altered, named main.<table>), 0 when none did, and when it was committed. The full-text
--   index of any later snapshot is the same, so its manifest is named by this one (and its
--   commit time: store.db.commit_key). One statement: a search runs it first.
-- param: lake text: the alias the session attached the lake under
-- param: tables text: the searched tables' names (bound as VARCHAR[])
WITH searched AS (
    SELECT list(CAST(table_id AS VARCHAR)) || list('main.' || table_name) AS keys
    FROM ducklake_table_info($lake)
    WHERE list_contains($tables, table_name)
)
SELECT coalesce(max(s.snapshot_id), 0), epoch_us(arg_max(s.snapshot_time, s.snapshot_id))
FROM ducklake_snapshots($lake) s, searched
WHERE s.snapshot_id <= (SELECT id FROM ducklake_current_snapshot($lake))
  AND list_has_any(flatten(map_values(s.changes)), searched.keys)
