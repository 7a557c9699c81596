-- name: untranslated_backlog
-- description: Excerpts not in the target language that have no usable translation yet: never
--   translated, pending (provider unreachable; retried next run) or failed, with the error.
--   Excerpts whose language is undecided ('und') or not detected yet are not counted.
-- param: target text default=en: the review's target language
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- The rows shown are chosen on the backlog alone; only they are joined to their works for the
-- title. A target language no translation was ever stored for is not in translation_backlog:
-- then every excerpt in another language is untranslated.
WITH backlog AS (
    SELECT excerpt_id, language, kind, status, provider, error, work_id, first_seen
    FROM translation_backlog
    WHERE target_language = $target
    UNION ALL
    SELECT excerpt_id, language, kind, 'untranslated', NULL, NULL, work_id, first_seen
    FROM excerpts
    WHERE language IS NOT NULL
      AND language NOT IN ($target, 'und')
      AND NOT EXISTS (SELECT 1 FROM translations WHERE target_language = $target)
),
shown AS (
    SELECT *
    FROM backlog
    ORDER BY first_seen, language, excerpt_id
    LIMIT $limit
)
SELECT s.excerpt_id,
       s.language,
       s.kind,
       s.status,
       s.provider,
       s.error,
       w.title,
       s.first_seen
FROM shown s
LEFT JOIN works w ON w.work_id = s.work_id
ORDER BY s.first_seen, s.language, s.excerpt_id;
