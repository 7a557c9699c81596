-- name: search_index_key
-- description: An ART index on the doc ids of one stemmer's texts, so that reading the few texts
--   a search shows (search_texts, doc_id = ANY of a bound list) is an index lookup instead of a
--   scan of every doc id: 4 ms against 55 ms for 40 of 780,000 texts. Not UNIQUE: the lake
--   does not enforce keys, and a duplicate must not stop the index from being built. {cache}
--   is the attached cache file's alias, made by store.search from a whitelisted stemmer name,
--   never from input.
CREATE INDEX docs_doc_id ON {cache}.main.docs (doc_id)
