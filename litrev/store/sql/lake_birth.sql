-- name: lake_birth
-- description: When a local lake was created: the time of its first snapshot, read from its
-- SQLite catalog with SQLite itself (not through DuckDB), so a session can tell the lake at a
-- path from another created there later.
SELECT snapshot_time FROM ducklake_snapshot WHERE snapshot_id = 0
