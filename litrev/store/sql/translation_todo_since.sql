-- name: translation_todo_since
-- description: What a harvest translates (translation_todo's rules, one row per text hash): the
--   texts of the excerpts this run stored or changed (last_seen at or after $since: a merge
--   moves last_seen only then), and the texts flagged 'pending' (when $retry_pending: a
--   provider that can answer is configured) or 'failed' (when asked). A night with nothing new
--   reads no excerpt: the excerpts are filtered by last_seen (the lake skips the data files
--   whose last_seen is older) and the flagged ones are found from their translations rows.
-- param: target text: the review's target language, e.g. en
--   $since (a timestamp): when the last translating harvest read its to-do list.
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
    WHERE e.last_seen >= $since
    UNION
    SELECT e.excerpt_id, e.text_hash, e.text, e.language, e.first_seen
    FROM excerpts e
    SEMI JOIN flagged f ON f.text_hash = e.text_hash
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
