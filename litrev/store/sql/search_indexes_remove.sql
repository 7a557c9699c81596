-- name: search_indexes_remove
-- description: Forget the index of one stemmer (dropped, or about to be rebuilt).
-- param: stemmer text: the Snowball stemmer
DELETE FROM search_indexes WHERE stemmer = $stemmer
