-- name: search_stemmers
-- description: The stemmers present in search_docs, how many texts each has, and a fingerprint
--   of those texts (ids, contents as indexed and as stored, their languages and their excerpts', a translation's
--   status, an original's title, year and DOI) and of the index format that changes when any of
--   them changes. DuckDB's hash of several values XORs
--   the last one in, and a XOR over rows cancels what an even number of rows share, so each
--   text's hash is hashed again before the XOR (else two excerpts corrected from Finnish to
--   Swedish would leave the fingerprint of their translations' index as it was) and the format
--   is hashed with the XOR (else it would cancel out in an even number of texts).
-- param: format int: store.search.INDEX_FORMAT
SELECT stemmer, count(*) AS docs,
       CAST(hash(bit_xor(hash(hash(doc_id, text, raw, language, excerpt_language, status, title, year,
                                    doi))), $format) AS VARCHAR)
           AS fingerprint
FROM search_docs
GROUP BY stemmer
ORDER BY stemmer
