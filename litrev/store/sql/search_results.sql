-- name: search_results
-- description: The best-scoring field per excerpt among the hits of every stemmer's index, with
--   the excerpt, its work, themes and translation, filtered by language and theme. {hits} is
--   filled in by store.search with one search_match statement per index, joined by UNION ALL
--   (table names from store.search.index_table(), never from input), so that only the rows
--   shown leave DuckDB: on a million excerpts a common word has hundreds of thousands of hits.
-- param: q text: the search text (used by the search_match statements in {hits})
-- param: lang text default=: only excerpts whose original is in this language
-- param: theme text default=: only excerpts coded with this theme
-- param: target text default=: prefer translations into this language
-- param: limit int default=20: at most this many rows
WITH search_hits AS (
{hits}
),
best AS (
    SELECT excerpt_id, max(score) AS score,
           arg_max(field, score) AS matched_in,
           arg_max(text, score) AS matched_text,
           arg_max(stemmer, score) AS matched_stemmer
    FROM search_hits
    GROUP BY excerpt_id
),
tr AS (
    SELECT text_hash, translated_text, target_language, status
    FROM translations
    WHERE status IN ('human', 'tm', 'machine') AND translated_text IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY text_hash
        ORDER BY (target_language = $target) DESC NULLS LAST,
                 CASE status WHEN 'human' THEN 0 WHEN 'tm' THEN 1 ELSE 2 END,
                 target_language) = 1
)
SELECT b.excerpt_id, b.score, b.matched_in, e.language, e.kind, w.title, w.year, w.doi,
       (SELECT list(DISTINCT et.theme_id ORDER BY et.theme_id) FROM excerpt_themes et
         WHERE et.excerpt_id = b.excerpt_id) AS themes,
       e.text, tr.translated_text AS translation, tr.target_language,
       tr.status AS translation_status, b.matched_text, b.matched_stemmer
FROM best b
JOIN excerpts e ON e.excerpt_id = b.excerpt_id
LEFT JOIN works w ON w.work_id = e.work_id
LEFT JOIN tr ON tr.text_hash = e.text_hash AND tr.target_language IS DISTINCT FROM e.language
WHERE ($lang IS NULL OR e.language = $lang)
  AND ($theme IS NULL OR EXISTS (SELECT 1 FROM excerpt_themes et
                                 WHERE et.excerpt_id = b.excerpt_id AND et.theme_id = $theme))
ORDER BY b.score DESC, b.excerpt_id
LIMIT $limit
