-- name: search_best
-- description: The best-scoring text per excerpt over every stemmer's index ({hits}: the
--   search_match statements of the attached index files, UNION ALL), filtered by the language
--   of the excerpt's original ({originals}: the original texts of those files, whose language
--   is the excerpt's) and by theme, best first: only these few rows are then looked up in the
--   lake. {hits} and {originals} are made by store.search from its own statements and
--   whitelisted aliases, never from input.
-- param: lang text default=: only excerpts whose original is in this language
-- param: theme text default=: only excerpts coded with this theme
-- param: limit int default=20: at most this many rows
WITH hits AS (
    {hits}
),
best AS (
    SELECT excerpt_id, max(score) AS score,
           arg_max(struct_pack(field, doc_id, stemmer), score) AS m
    FROM hits
    GROUP BY excerpt_id
)
SELECT b.excerpt_id, b.score, b.m.field AS matched_in, b.m.doc_id AS matched_doc,
       b.m.stemmer AS matched_stemmer
FROM best b
WHERE ($lang IS NULL OR b.excerpt_id IN (SELECT o.excerpt_id FROM ({originals}) o
                                         WHERE o.language = $lang))
  AND ($theme IS NULL OR b.excerpt_id IN (SELECT et.excerpt_id FROM excerpt_themes et
                                          WHERE et.theme_id = $theme))
ORDER BY b.score DESC, b.excerpt_id
LIMIT $limit
