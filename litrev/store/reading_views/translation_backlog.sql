-- name: translation_backlog
-- description: One row per excerpt and target language it has no usable translation into yet
--   (none stored: status 'untranslated'; or pending, or failed), for every target language the
--   translations hold (untranslated_backlog reads this, and covers a target never used).
SELECT tl.target_language,
       e.excerpt_id,
       e.language,
       e.kind,
       e.work_id,
       e.first_seen,
       coalesce(t.status, 'untranslated') AS status,
       t.provider,
       t.error
FROM (SELECT DISTINCT target_language FROM translations) tl
JOIN excerpts e ON e.language IS NOT NULL AND e.language NOT IN (tl.target_language, 'und')
LEFT JOIN translations t ON t.text_hash = e.text_hash AND t.target_language = tl.target_language
WHERE t.status IS NULL OR t.status IN ('pending', 'failed')
