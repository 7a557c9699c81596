-- name: search_stemmers
-- description: The stemmers present in search_docs, how many texts each has, and a fingerprint
--   of those texts (ids, stored contents, their languages and their excerpts') and of the
--   index format that changes when any of them changes.
-- param: format int: store.search.INDEX_FORMAT
SELECT stemmer, count(*) AS docs,
       CAST(bit_xor(hash(doc_id, raw, language, excerpt_language, $format)) AS VARCHAR) AS fingerprint
FROM search_docs
GROUP BY stemmer
ORDER BY stemmer
