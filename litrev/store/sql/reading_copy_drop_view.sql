-- name: reading_copy_drop_view
-- description: Drop a view of the reading copy that a sorted table replaced.
DROP VIEW {view};
