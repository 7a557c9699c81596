-- name: search_match
-- description: BM25 scores of one stemmer's index for a query, computed over the postings of
--   the query's terms only (the fts macro match_bm25 scores every text of the index, one
--   correlated subquery each: seconds at a million texts). The same formula and constants as
--   match_bm25 (k = 1.2, b = 0.75, any term may match): per query term in a text,
--   log((N - df + 0.5) / (df + 0.5) + 1) * tf * (k + 1) / (tf + k * (1 - b + b * len / avgdl)),
--   summed over the terms; the query is tokenized and stemmed as the index was (its tokenize
--   macro, its stemmer). Rows: each matching text's excerpt and field (read from its doc id,
--   excerpt_id || ':o' for the original, excerpt_id || ':t:' || language for a translation),
--   stemmer and score. {cache} and {stemmer} are filled in by store.search from whitelisted
--   names, never from input.
-- param: q text: the search text
-- param: lang text default=: only texts of excerpts whose original is in this language
SELECT split_part(fd.name, ':', 1) AS excerpt_id,
       fd.name AS doc_id,
       CASE WHEN fd.name LIKE '%:o' THEN 'original' ELSE 'translation' END AS field,
       '{stemmer}' AS stemmer,
       s.score
FROM (
    SELECT p.docid,
           sum(log((st.num_docs - q.df + 0.5) / (q.df + 0.5) + 1)
               * ((p.tf * (1.2 + 1))
                  / (p.tf + 1.2 * ((1 - 0.75) + 0.75 * (p.len / st.avgdl))))) AS score
    FROM {cache}.main.postings p
    JOIN (SELECT termid, df FROM {cache}.fts_main_docs.dict
          WHERE term IN (SELECT stem(unnest({cache}.fts_main_docs.tokenize($q)), '{stemmer}'))
         ) q ON q.termid = p.termid
    CROSS JOIN {cache}.fts_main_docs.stats st
    WHERE $lang IS NULL OR p.excerpt_language = $lang
    GROUP BY p.docid
) s
JOIN {cache}.fts_main_docs.docs fd ON fd.docid = s.docid
