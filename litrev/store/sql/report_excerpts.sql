-- name: report_excerpts
-- description: The excerpts listed in the run report, each with its work, translation, themes,
--   source and provenance (origin), synthetic records marked; seed citations first.
-- param: target text: the review's target language (translations into it are shown)
-- param: limit int default=500: at most this many rows
SELECT e.excerpt_id,
       e.kind,
       e.language,
       w.title AS work_title,
       w.year,
       w.doi,
       cw.title AS cited_title,
       cw.doi AS cited_doi,
       coalesce(cw.is_seed, false) AS cites_seed,
       e.section,
       e.stance,
       e.text,
       t.translated_text AS translation,
       CASE WHEN e.language = $target THEN 'not needed'
            ELSE coalesce(t.status, 'untranslated') END AS translation_status,
       t.provider AS translation_provider,
       (SELECT list(DISTINCT et.theme_id ORDER BY et.theme_id) FROM excerpt_themes et
         WHERE et.excerpt_id = e.excerpt_id) AS themes,
       e.source,
       e.origin,
       e.synthetic OR coalesce(w.synthetic, false) AS synthetic
FROM excerpts e
LEFT JOIN works w ON w.work_id = e.work_id
LEFT JOIN works cw ON cw.work_id = e.cited_work_id
LEFT JOIN translations t ON t.text_hash = e.text_hash AND t.target_language = $target
WHERE e.parent_excerpt_id IS NULL
ORDER BY cites_seed DESC,
         CASE e.kind WHEN 'citation_statement' THEN 0 WHEN 'abstract' THEN 1 ELSE 2 END,
         synthetic, e.language, w.title, e.excerpt_id
LIMIT $limit;
