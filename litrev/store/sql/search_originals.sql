-- name: search_originals
-- description: The excerpts of one stemmer's index file with the language of their original
--   text (for search_best's language filter). {cache} is filled in by store.search from a
--   whitelisted stemmer name, never from input.
SELECT excerpt_id, language FROM {cache}.main.docs WHERE field = 'original'
