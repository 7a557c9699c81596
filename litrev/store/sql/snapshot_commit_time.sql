-- name: snapshot_commit_time
-- description: When the lake committed snapshot $snapshot, in microseconds since 1970 (no row:
--   the lake does not list it; a number, not a time: read without a time zone). The local
--   caches derived from a snapshot (the reading copy, the full-text index) carry it in their
--   names, so that a cache of another lake that once lived at the same path, at the same
--   snapshot number, is never read as this one's.
-- param: snapshot int: the snapshot
SELECT epoch_us(snapshot_time)
FROM ducklake_snapshots(current_database())
WHERE snapshot_id = $snapshot;
