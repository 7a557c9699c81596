-- name: translation_todo
-- description: The texts that need a translation into the target language, one row per text
--   hash: excerpts whose detected language is known ('und' is not), differs from the target,
--   and that have no human, tm or machine translation yet; 'pending' ones (the provider was
--   unreachable) always, 'failed' ones only when asked. A mixed-language excerpt whose parts
--   are stored separately is left out: its parts are translated instead. Oldest first.
-- param: target text: the review's target language, e.g. en
-- param: include_failed bool default=false: also texts whose translation failed before
-- param: limit int default=: at most this many texts (empty: all)
WITH texts AS (
    SELECT e.text_hash,
           min(e.text) AS text,
           min(e.language) AS source_language,
           min(e.first_seen) AS first_seen
    FROM excerpts e
    WHERE e.language IS NOT NULL
      AND e.language <> 'und'
      AND e.language <> $target
      AND NOT EXISTS (SELECT 1 FROM excerpts p WHERE p.parent_excerpt_id = e.excerpt_id)
    GROUP BY e.text_hash
)
SELECT x.text_hash, x.text, x.source_language, t.status AS current_status
FROM texts x
LEFT JOIN translations t ON t.text_hash = x.text_hash AND t.target_language = $target
WHERE t.status IS NULL
   OR t.status = 'pending'
   OR ($include_failed AND t.status = 'failed')
ORDER BY x.first_seen, x.text_hash
LIMIT $limit;
