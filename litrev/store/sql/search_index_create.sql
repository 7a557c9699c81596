-- name: search_index_create
-- description: The fts extension's index on one stemmer's (still empty) table: it gives the
--   index its tokenize macro and stop words, as the extension makes them for these options;
--   search_index_terms then builds the index's tables from the texts. PRAGMA arguments are
--   literals, so {cache}, {stemmer} and {stopwords} are filled in by store.search from
--   whitelisted names. Words are runs of letters and digits (any script), lower-cased, accents
--   kept (the Finnish, German and Swedish stemmers need ä, ö, ü, å).
PRAGMA create_fts_index('{cache}.main.docs', 'doc_id', 'text', stemmer = '{stemmer}',
                        stopwords = '{stopwords}', ignore = '[^\p{L}\p{N}]+',
                        strip_accents = 0, lower = 1, overwrite = 1)
