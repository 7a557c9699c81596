-- name: reading_copy_snapshot_time
-- description: When the lake committed snapshot $snapshot (no row: the lake does not list it).
--   A reading copy's name carries it, so that a copy of another lake that once lived at the same
--   path, at the same snapshot number, is never read as this one's.
-- param: snapshot int: the snapshot
SELECT snapshot_time FROM ducklake_snapshots(current_database()) WHERE snapshot_id = $snapshot;
