-- name: search_results
-- description: The chosen hits of a search (the registered frame search_hits: the excerpt's
--   id, score, matched_in, matched_text, matched_stemmer, and its language, kind, work_id,
--   text_hash and text from search_excerpts) with the excerpt's work, themes and translation,
--   best first. Each lake table is read filtered by list_contains on the few keys given (a
--   filter the Parquet scan applies as it reads).
-- param: ids text: the excerpt ids (bound as VARCHAR[])
-- param: work_ids text: their works' ids (bound as VARCHAR[])
-- param: hashes text: their text hashes (bound as VARCHAR[])
-- param: target text default=: prefer translations into this language
WITH w AS (
    SELECT work_id, title, year, doi
    FROM works
    WHERE list_contains($work_ids, work_id)
),
th AS (
    SELECT excerpt_id, list(DISTINCT theme_id ORDER BY theme_id) AS themes
    FROM excerpt_themes
    WHERE list_contains($ids, excerpt_id)
    GROUP BY excerpt_id
),
tr AS (
    SELECT text_hash, translated_text, target_language, status
    FROM translations
    WHERE list_contains($hashes, text_hash)
      AND status IN ('human', 'tm', 'machine') AND translated_text IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY text_hash
        ORDER BY (target_language = $target) DESC NULLS LAST,
                 CASE status WHEN 'human' THEN 0 WHEN 'tm' THEN 1 ELSE 2 END,
                 target_language) = 1
)
SELECT b.excerpt_id, b.score, b.matched_in, b.language, b.kind, w.title, w.year, w.doi,
       th.themes, b.text, tr.translated_text AS translation, tr.target_language,
       tr.status AS translation_status, b.matched_text, b.matched_stemmer
FROM search_hits b
LEFT JOIN w ON w.work_id = b.work_id
LEFT JOIN th ON th.excerpt_id = b.excerpt_id
LEFT JOIN tr ON tr.text_hash = b.text_hash AND tr.target_language IS DISTINCT FROM b.language
ORDER BY b.score DESC, b.excerpt_id
