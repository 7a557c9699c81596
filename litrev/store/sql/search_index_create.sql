-- name: search_index_create
-- description: Build the BM25 index of one stemmer's cache file. PRAGMA arguments are literals,
--   so {cache}, {stemmer} and {stopwords} are filled in by store.search from whitelisted names.
--   Words are runs of letters and digits (any script), lower-cased, accents kept (the Finnish,
--   German and Swedish stemmers need ä, ö, ü, å).
PRAGMA create_fts_index('{cache}.main.docs', 'doc_id', 'text', stemmer = '{stemmer}',
                        stopwords = '{stopwords}', ignore = '[^\p{L}\p{N}]+',
                        strip_accents = 0, lower = 1, overwrite = 1)
