-- name: search_indexes_clear
-- description: Forget the list of full-text indexes before rebuilding them.
DELETE FROM search_indexes
