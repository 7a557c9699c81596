-- name: tables_last_change
-- description: The latest snapshot, up to the one the session reads, that changed one of the
--   given tables (rows inserted, deleted or compacted, named by table id, or the table created
--   or altered, named main.<table>), 0 when none did, and when it was committed. What is
--   derived from those tables alone (the full-text index, the list of excerpts to code) is the
--   same at any later snapshot. One statement: a search runs it first.
-- param: lake text: the alias the session attached the lake under
-- param: tables text: the tables' names (bound as VARCHAR[])
WITH watched AS (
    SELECT list(CAST(table_id AS VARCHAR)) || list('main.' || table_name) AS keys
    FROM ducklake_table_info($lake)
    WHERE list_contains($tables, table_name)
)
SELECT coalesce(max(s.snapshot_id), 0), epoch_us(arg_max(s.snapshot_time, s.snapshot_id))
FROM ducklake_snapshots($lake) s, watched
WHERE s.snapshot_id <= (SELECT id FROM ducklake_current_snapshot($lake))
  AND list_has_any(flatten(map_values(s.changes)), watched.keys)
