-- name: search_index_tf
-- description: The term frequencies of one slice of one stemmer's texts (docids first to
--   last - 1), added to the temporary table search_tf: tokenized by the index's own tokenize
--   macro, stop words dropped as the fts extension drops them, each distinct word stemmed once
--   (the extension stems every occurrence: 6.4 million stems for 120,000 English abstracts,
--   where 5,576 distinct words give the same terms). A slice at a time, so that its words held
--   between tokenizing and counting stay a slice's. {cache} is the attached cache file's alias
--   and {stemmer} a whitelisted stemmer name, both filled in by store.search.
-- param: first int: the slice's first docid
-- param: last int: the docid after the slice's last
INSERT INTO search_tf
WITH tokens AS MATERIALIZED (
    SELECT docid, w
    FROM (SELECT rowid AS docid, unnest({cache}.fts_main_docs.tokenize(text)) AS w
          FROM {cache}.main.docs WHERE rowid >= $first AND rowid < $last)
    WHERE w IS NOT NULL AND w <> ''
      AND w NOT IN (SELECT sw FROM {cache}.fts_main_docs.stopwords)
),
stems AS (
    SELECT w, CASE WHEN '{stemmer}' = 'none' THEN w ELSE stem(w, '{stemmer}') END AS term
    FROM (SELECT DISTINCT w FROM tokens)
)
SELECT t.docid, s.term, count(*)::BIGINT AS tf
FROM tokens t JOIN stems s USING (w)
GROUP BY t.docid, s.term
