-- name: untranslated_backlog
-- description: Excerpts not in the target language that have no usable translation yet: never
--   translated, pending (provider unreachable; retried next run) or failed, with the error.
--   Excerpts whose language is undecided ('und') or not detected yet are not counted.
-- param: target text default=en: the review's target language
-- param: limit int default=500: at most this many rows (the CLI says when it stopped there)

-- The rows shown are chosen on excerpts and translations alone; only they are joined to
-- their works for the title.
WITH backlog AS (
    SELECT e.excerpt_id, e.language, e.kind, coalesce(t.status, 'untranslated') AS status,
           t.provider, t.error, e.work_id, e.first_seen
    FROM excerpts e
    LEFT JOIN translations t ON t.text_hash = e.text_hash AND t.target_language = $target
    WHERE e.language IS NOT NULL
      AND e.language NOT IN ($target, 'und')
      AND (t.status IS NULL OR t.status IN ('pending', 'failed'))
    ORDER BY e.first_seen, e.language, e.excerpt_id
    LIMIT $limit
)
SELECT b.excerpt_id,
       b.language,
       b.kind,
       b.status,
       b.provider,
       b.error,
       w.title,
       b.first_seen
FROM backlog b
LEFT JOIN works w ON w.work_id = b.work_id
ORDER BY b.first_seen, b.language, b.excerpt_id;
