-- name: export_excerpts
-- description: The reviewers' excerpt table: one row per excerpt with its themes, original and
--   translation side by side, translation status and provider, the work and cited work, where the
--   text came from, and the reviewer's columns with what reviewers stored (import-reviews). Columns starting with '_' are helpers for
--   the RIS writer and are not shown in tables. Ordered by work (year, title), so the rows of one
--   work are consecutive.
-- param: target text: the language translations are into (the review's target language)
-- param: themes text: VARCHAR[] of theme ids; an excerpt matching any of them is kept; [] for all
-- param: langs text: VARCHAR[] of excerpt languages to keep; [] for all
-- param: kind text: only this kind (abstract, citation_statement, title); NULL for all
-- param: since date: only excerpts first seen on or after this day (UTC); NULL for all
-- param: use_ids bool: keep only the excerpts listed in ids
-- param: ids text: VARCHAR[] of excerpt ids (from a saved query)
WITH theme_lists AS (
    SELECT excerpt_id, string_agg(DISTINCT theme_id, '; ' ORDER BY theme_id) AS themes
    FROM excerpt_themes
    GROUP BY excerpt_id
)
SELECT e.excerpt_id,
       tl.themes,
       e.language,
       e.text AS original_text,
       t.translated_text AS translation,
       CAST($target AS VARCHAR) AS translation_language,
       CASE WHEN t.status IS NOT NULL THEN t.status
            WHEN e.language = $target THEN 'not needed'
            ELSE 'untranslated' END AS translation_status,
       t.provider AS translation_provider,
       e.kind,
       e.section,
       e.stance,
       nullif(array_to_string(w.authors, '; '), '') AS authors,
       w.year,
       w.title,
       w.venue,
       CASE WHEN w.doi IS NOT NULL THEN 'https://doi.org/' || w.doi END AS doi_link,
       CASE WHEN e.cited_work_id IS NOT NULL THEN
           coalesce(cw.title, e.cited_work_id)
           || coalesce(' (' || CAST(cw.year AS VARCHAR) || ')', '') END AS cited_work,
       CASE WHEN cw.doi IS NOT NULL THEN 'https://doi.org/' || cw.doi END AS cited_doi_link,
       e.source,
       e.origin,
       e.synthetic OR coalesce(w.synthetic, false) AS synthetic,
       CAST(timezone('UTC', e.first_seen) AS DATE) AS retrieved,
       rv.decision,
       rv.note,
       rv.corrected_translation,
       e.work_id AS _work_id,
       w.doi AS _doi,
       w.url AS _url,
       w.work_type AS _work_type,
       w.language AS _work_language
FROM excerpts e
LEFT JOIN works w ON w.work_id = e.work_id
LEFT JOIN works cw ON cw.work_id = e.cited_work_id
LEFT JOIN translations t ON t.text_hash = e.text_hash AND t.target_language = $target
LEFT JOIN theme_lists tl ON tl.excerpt_id = e.excerpt_id
LEFT JOIN reviews rv ON rv.excerpt_id = e.excerpt_id
WHERE ($kind IS NULL OR e.kind = $kind)
  AND ($since IS NULL OR CAST(timezone('UTC', e.first_seen) AS DATE) >= $since)
  AND (len(CAST($langs AS VARCHAR[])) = 0 OR list_contains(CAST($langs AS VARCHAR[]), e.language))
  AND (len(CAST($themes AS VARCHAR[])) = 0 OR e.excerpt_id IN (
        SELECT excerpt_id FROM excerpt_themes
        WHERE list_contains(CAST($themes AS VARCHAR[]), theme_id)))
  AND (NOT $use_ids OR e.excerpt_id IN (SELECT unnest(CAST($ids AS VARCHAR[]))))
ORDER BY w.year NULLS LAST, w.title NULLS LAST, e.work_id,
         CASE e.kind WHEN 'title' THEN 0 WHEN 'abstract' THEN 1 ELSE 2 END,
         e.section NULLS LAST, e.excerpt_id;
