-- name: translation_todo
-- description: The texts that need a translation into the target language, one row per text
--   hash: excerpts whose detected language is known ('und' is not), differs from the target,
--   and that have no human, tm or machine translation yet; 'pending' ones (the provider was
--   unreachable) when $retry_pending, 'failed' ones only when asked. A mixed-language excerpt
--   whose parts are stored separately is left out: its parts are translated instead. Oldest
--   first. With $since (what a harvest translates) only the excerpts stored or changed since
--   then (last_seen at or after it: a merge moves last_seen only then) and the excerpts of the
--   flagged texts are looked at: a night with nothing new reads no excerpt (the lake skips the
--   data files whose last_seen is older, and the flagged ones are found from their
--   translations rows).
-- param: target text: the review's target language, e.g. en
-- param: since timestamp default=: look only at excerpts changed since then (empty: all)
-- param: retry_pending bool default=true: also texts left pending by an earlier run
-- param: include_failed bool default=false: also texts whose translation failed before
-- param: limit int default=: at most this many texts (empty: all)
WITH flagged AS (
    SELECT t.text_hash
    FROM translations t
    WHERE t.target_language = $target
      AND (($retry_pending AND t.status = 'pending')
           OR ($include_failed AND t.status = 'failed'))
),
candidates AS (
    SELECT e.excerpt_id, e.text_hash, e.text, e.language, e.first_seen
    FROM excerpts e
    WHERE $since IS NULL OR e.last_seen >= $since
    UNION ALL
    -- the flagged texts' excerpts that the first part left out
    SELECT e.excerpt_id, e.text_hash, e.text, e.language, e.first_seen
    FROM excerpts e
    SEMI JOIN flagged f ON f.text_hash = e.text_hash
    WHERE $since IS NOT NULL AND e.last_seen < $since
),
texts AS (
    SELECT c.text_hash,
           min(c.text) AS text,
           min(c.language) AS source_language,
           min(c.first_seen) AS first_seen
    FROM candidates c
    WHERE c.language IS NOT NULL
      AND c.language <> 'und'
      AND c.language <> $target
      AND NOT EXISTS (SELECT 1 FROM excerpts p
                      WHERE p.parent_excerpt_id IS NOT NULL
                        AND p.parent_excerpt_id = c.excerpt_id)
    GROUP BY c.text_hash
)
SELECT x.text_hash, x.text, x.source_language, t.status AS current_status
FROM texts x
LEFT JOIN translations t ON t.text_hash = x.text_hash AND t.target_language = $target
WHERE t.status IS NULL
   OR ($retry_pending AND t.status = 'pending')
   OR ($include_failed AND t.status = 'failed')
ORDER BY x.first_seen, x.text_hash
LIMIT $limit;
