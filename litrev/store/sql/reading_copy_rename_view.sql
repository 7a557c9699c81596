-- name: reading_copy_rename_view
-- description: Move a lake view aside in the reading copy, so a sorted table takes its name.
ALTER VIEW {view} RENAME TO {renamed};
