-- name: reading_copy_snapshot
-- description: The lake snapshot a reading copy holds (no row: the copy is incomplete).
SELECT snapshot FROM reading_copy;
