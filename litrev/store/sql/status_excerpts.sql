-- name: status_excerpts
-- description: Excerpts counted by kind, language and the translations their text has (a list
--   of target language and status, empty when none). store.status adds the rows up into the
--   excerpts by kind, by language ('unknown' when not detected yet) and by translation status
--   for one target language ('not needed' when already in it, 'untranslated' when no
--   translation row exists yet): one statement, where each table a statement reads costs
--   10-15 ms of reading the lake's catalog before any row. It binds no value on purpose:
--   DuckDB 1.5.5 imports pandas (about 0.8 s) to bind any parameter, and `litrev status`
--   answers in under half a second.
WITH tr AS (
    SELECT text_hash,
           list(struct_pack(target := target_language, status := status)
                ORDER BY target_language) AS translations
    FROM translations
    GROUP BY text_hash
)
SELECT e.kind, e.language, coalesce(tr.translations, []) AS translations, count(*) AS excerpts
FROM excerpts e
LEFT JOIN tr ON tr.text_hash = e.text_hash
GROUP BY ALL;
