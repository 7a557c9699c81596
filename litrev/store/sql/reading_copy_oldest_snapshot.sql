-- name: reading_copy_oldest_snapshot
-- description: The oldest snapshot the lake still lists: what changed after an older one can no
--   longer be told.
SELECT min(snapshot_id) FROM ducklake_snapshots(current_database());
