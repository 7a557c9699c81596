-- name: reading_copy_store
-- description: Store the view {source} as the table {table} of the reading copy, sorted by
--   {order} (store.reading_copy.STORED_ORDER): checked identifiers and orders from the code.
CREATE TABLE {table} AS SELECT * FROM {source} ORDER BY {order};
