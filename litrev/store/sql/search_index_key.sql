-- name: search_index_key
-- description: An ART index on the excerpt ids of one stemmer's texts, so that reading the
--   texts of the few excerpts a search shows (search_texts: excerpt_id = ANY of a bound list)
--   is an index lookup instead of a scan of every id: 2-5 ms against 55 ms for 20 excerpts of
--   780,000 texts. Not UNIQUE: an excerpt has its original and its translations in the same
--   file when they share a stemmer. {cache} is the attached cache file's alias, made by
--   store.search from a whitelisted stemmer name, never from input.
CREATE INDEX docs_excerpt_id ON {cache}.main.docs (excerpt_id)
