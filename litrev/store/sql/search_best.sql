-- name: search_best
-- description: The best-scoring text per excerpt over every stemmer's index ({hits}: the
--   search_match statements of the attached index files, UNION ALL, which keep the --lang
--   texts only), filtered by theme, best first: only these few rows are then looked up.
--   {hits} is made by store.search from its own statements and whitelisted aliases, never
--   from input; it binds $q and $lang (search_match).
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
WHERE ($theme IS NULL OR b.excerpt_id IN (SELECT et.excerpt_id FROM excerpt_themes et
                                          WHERE et.theme_id = $theme))
ORDER BY b.score DESC, b.excerpt_id
LIMIT $limit
