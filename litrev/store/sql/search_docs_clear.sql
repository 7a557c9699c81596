-- name: search_docs_clear
-- description: Empty search_docs before refilling it.
DELETE FROM search_docs
