-- name: excerpts_in_language
-- description: The excerpts in one language (Finnish by default), with their translation and
--   its status, newest work first.
-- param: lang text default=fi: the excerpt language (ISO 639-1: fi, sv, de, en, ...)
-- param: target text default=en: the language of the translations shown
-- param: kind text default=: only this kind (abstract, citation_statement, title); empty for all
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- The rows shown are chosen first, in excerpt_listing's own order; only they are joined to
-- their translations.
WITH chosen AS (
    SELECT excerpt_id, kind, text, text_hash, work_title AS title, work_year AS year,
           work_doi AS doi, source
    FROM excerpt_listing
    WHERE language = $lang
      AND ($kind IS NULL OR kind = $kind)
    ORDER BY work_year DESC NULLS LAST, work_title, excerpt_id
    LIMIT $limit
)
SELECT c.excerpt_id,
       c.kind,
       c.text,
       t.translated_text AS translation,
       coalesce(t.status, 'untranslated') AS translation_status,
       c.title,
       c.year,
       c.doi,
       c.source
FROM chosen c
LEFT JOIN translations t ON t.text_hash = c.text_hash AND t.target_language = $target
ORDER BY c.year DESC NULLS LAST, c.title, c.excerpt_id;
