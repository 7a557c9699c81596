-- name: reading_view_create
-- description: The head of a reading view's creation as a temporary view of the connection;
--   store.reading_copy appends the view's SELECT (litrev/store/reading_views/{view}.sql). {view}
--   is the file's name, checked.
CREATE OR REPLACE TEMP VIEW {view} AS
