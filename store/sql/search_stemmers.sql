-- name: search_stemmers
-- description: The stemmers present in search_docs and how many texts each has.
SELECT stemmer, count(*) AS docs FROM search_docs GROUP BY stemmer ORDER BY stemmer
